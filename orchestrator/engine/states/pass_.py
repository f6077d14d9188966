"""Pass: passes its input (or ``Result`` / ``Parameters`` / JSONata ``Output``) to its output."""

from __future__ import annotations

from typing import Any

from orchestrator.engine.execution import Strand
from orchestrator.engine.payload_templates import compile_payload
from orchestrator.engine.scope import Env
from orchestrator.engine.states.base import BuildContext, State, jsonata_outcome

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
        if self.jsonata:  # no InputPath, Result or Parameters: the pipeline is Output and Assign
            self.run = jsonata_outcome(self.route, of_input=True)  # type: ignore[method-assign,assignment]
            # its output is what its own Output built (no other route): that template's text
            self.output_text = getattr(self.output, "text", self.output_text)

    def work(self, strand: Strand, env: Env, effective: Any) -> Any:
        if self.has_result:
            return self.result
        if self.parameters is not None:
            return self.parameters(env.with_input(effective))
        return effective
