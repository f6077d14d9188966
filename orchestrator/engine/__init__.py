"""flowctl's local Amazon States Language engine: any state machine, AWS's semantics.

    >>> from orchestrator.engine import run_state_machine
    >>> run_state_machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": True}}}).output
    1

See :mod:`orchestrator.engine.engine` for :class:`Engine` and :mod:`orchestrator.engine.mocks`
for the mock format.
"""

from __future__ import annotations

from orchestrator.engine.clock import Clock, RealClock, VirtualClock
from orchestrator.engine.engine import Engine, ExecutionError, ExecutionResult, run_state_machine
from orchestrator.engine.errors import (
    AslDefinitionError,
    EngineError,
    StatesError,
    UnknownTaskTokenError,
)
from orchestrator.engine.mocks import MockError

__all__ = [
    "AslDefinitionError",
    "Clock",
    "Engine",
    "EngineError",
    "ExecutionError",
    "ExecutionResult",
    "MockError",
    "RealClock",
    "StatesError",
    "UnknownTaskTokenError",
    "VirtualClock",
    "run_state_machine",
]
