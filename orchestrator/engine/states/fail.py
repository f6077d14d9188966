"""Fail: stops the execution (or branch) with ``Error`` and ``Cause``.

JSONPath: ``Error``/``Cause`` literals or ``ErrorPath``/``CausePath`` (a path or an intrinsic
function). JSONata: ``Error``/``Cause`` may be ``{% %}`` expressions. A Fail state has no exit
event: its work raises the failure (:class:`StateFailed`) for the enclosing program.
"""

from __future__ import annotations

from typing import Any

from orchestrator.engine.errors import AslDefinitionError, StatesError
from orchestrator.engine.execution import Strand
from orchestrator.engine.payload_templates import Evaluator, compile_jsonata_value, compile_payload
from orchestrator.engine.scope import Env
from orchestrator.engine.states.base import BuildContext, State, StateFailed

__all__ = ["FailState"]


class FailState(State):
    type = "Fail"
    fields = frozenset({"Error", "Cause", "ErrorPath", "CausePath"})
    has_transition = False

    def __init__(self, name: str, spec: dict[str, Any], where: str, ctx: BuildContext) -> None:
        super().__init__(name, spec, where, ctx)
        self.error = self._field("Error", "ErrorPath")
        self.cause = self._field("Cause", "CausePath")

    def _field(self, key: str, path_key: str) -> Evaluator | None:
        spec, where = self.spec, self.where
        if key in spec and path_key in spec:
            raise AslDefinitionError(f"'{key}' and '{path_key}' are mutually exclusive", where)
        if key in spec:
            if self.jsonata:
                return compile_jsonata_value(spec[key], f"{where}/{key}", key)
            value = spec[key]
            if not isinstance(value, str):
                raise AslDefinitionError(f"'{key}' must be a string", f"{where}/{key}")
            return lambda env: value
        if path_key in spec:
            # A reference path or an intrinsic function, like a ".$" payload entry.
            get = compile_payload({f"{path_key}.$": spec[path_key]}, f"{where}/{path_key}")
            field = path_key

            def evaluate(env: Env) -> Any:
                try:
                    return get(env)[field]
                except StatesError as err:
                    if err.cause and f"for the field '{field}.$'" in err.cause:
                        err.cause = err.cause.replace(f"for the field '{field}.$'", f"for the field '{field}'")
                    raise

            return evaluate
        return None

    def work(self, strand: Strand, env: Env, effective: Any) -> Any:
        error = self.error(env) if self.error is not None else None
        cause = self.cause(env) if self.cause is not None else None
        raise StateFailed(error, cause)
