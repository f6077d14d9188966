"""Pass: passes its input (or ``Result`` / ``Parameters`` / JSONata ``Output``) to its output."""

from __future__ import annotations

from typing import Any

from orchestrator.engine.execution import Path
from orchestrator.engine.scope import Env
from orchestrator.engine.states.base import BuildContext, State, StepResult
from orchestrator.engine.templates import compile_payload

__all__ = ["PassState"]


class PassState(State):
    type = "Pass"
    fields = frozenset(
        {"Next", "End", "InputPath", "OutputPath", "Parameters", "Result", "ResultPath", "Assign", "Output"}
    )

    def __init__(self, name: str, spec: dict[str, Any], where: str, ctx: BuildContext) -> None:
        super().__init__(name, spec, where, ctx)
        self.has_result = "Result" in spec
        self.result = spec.get("Result")
        self.parameters = compile_payload(spec["Parameters"], f"{where}/Parameters") if "Parameters" in spec else None
        self.result_path = None if self.jsonata else self.compile_result_path(spec, f"{where}/ResultPath")

    def run(self, path: Path, env: Env) -> StepResult:
        if self.jsonata:
            output = self.output(env) if self.output is not None else env.input
            return output, self.next, self.evaluate_assign(env)
        effective = self.effective_input(env)
        if self.has_result:
            result = self.result
        elif self.parameters is not None:
            result = self.parameters(env.with_input(effective))
        else:
            result = effective
        assigned = self.assign(env.with_input(result)) if self.assign is not None else None
        output = self.apply_result_path(self.result_path, env.input, result)
        return self.apply_output_path(env, output), self.next, assigned
