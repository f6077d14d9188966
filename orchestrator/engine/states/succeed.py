"""Succeed: ends the execution (or branch) successfully with its (filtered) input."""

from __future__ import annotations

from orchestrator.engine.execution import Path
from orchestrator.engine.scope import Env
from orchestrator.engine.states.base import State, StepResult

__all__ = ["SucceedState"]


class SucceedState(State):
    type = "Succeed"
    fields = frozenset({"InputPath", "OutputPath", "Output"})
    has_transition = False

    def run(self, path: Path, env: Env) -> StepResult:
        if self.jsonata:
            return (self.output(env) if self.output is not None else env.input), None, None
        return self.apply_output_path(env, self.effective_input(env)), None, None
