"""One component per ASL state type; :data:`STATE_TYPES` maps ``Type`` to its class."""

from __future__ import annotations

from orchestrator.engine.states.base import BuildContext, State
from orchestrator.engine.states.choice import ChoiceState
from orchestrator.engine.states.fail import FailState
from orchestrator.engine.states.map import MapState
from orchestrator.engine.states.parallel import ParallelState
from orchestrator.engine.states.pass_ import PassState
from orchestrator.engine.states.succeed import SucceedState
from orchestrator.engine.states.task import TaskState
from orchestrator.engine.states.wait import WaitState

__all__ = ["STATE_TYPES", "BuildContext", "State"]

STATE_TYPES: dict[str, type[State]] = {
    cls.type: cls
    for cls in (PassState, TaskState, ChoiceState, WaitState, SucceedState, FailState, ParallelState, MapState)
}
