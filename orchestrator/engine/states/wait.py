"""Wait: waits ``Seconds`` or until ``Timestamp`` (or their ``*Path`` / JSONata forms).

Run-time checks and texts follow AWS: a negative or non-integer ``SecondsPath`` value, an
invalid ``TimestampPath``/JSONata ``Timestamp`` value fail with ``States.Runtime`` /
``States.QueryEvaluationError``. A timestamp in the past does not wait.
"""

from __future__ import annotations

from typing import Any

from orchestrator.engine.errors import AslDefinitionError, StatesError
from orchestrator.engine.execution import Strand
from orchestrator.engine.jsonata_expr import is_expression
from orchestrator.engine.jsonvalue import to_json
from orchestrator.engine.payload_templates import (
    compile_jsonata_value,
    compile_path_getter,
    unexpected_type,
)
from orchestrator.engine.scope import Env
from orchestrator.engine.states.base import BuildContext, State, StepResult
from orchestrator.engine.timestamps import parse_timestamp, timestamp_seconds

__all__ = ["WaitState"]

_KINDS = ("Seconds", "Timestamp", "SecondsPath", "TimestampPath")
_MAX_SECONDS = 99999999


class WaitState(State):
    type = "Wait"
    fields = frozenset({"Next", "End", "InputPath", "OutputPath", "Assign", "Output", *_KINDS})

    def __init__(self, name: str, spec: dict[str, Any], where: str, ctx: BuildContext) -> None:
        super().__init__(name, spec, where, ctx)
        kinds = [k for k in _KINDS if k in spec]
        if len(kinds) != 1:
            raise AslDefinitionError(
                "A Wait state must have exactly one of 'Seconds', 'Timestamp', 'SecondsPath' or 'TimestampPath'",
                where,
            )
        self.kind = kinds[0]
        value = spec[self.kind]
        at = f"{where}/{self.kind}"
        self.value = value
        self.getter = None
        if self.jsonata and is_expression(value):
            self.getter = compile_jsonata_value(value, at, self.kind)
        elif self.kind == "Seconds":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX_SECONDS:
                raise AslDefinitionError("'Seconds' must be an integer between 0 and 99999999", at)
        elif self.kind == "Timestamp":
            if parse_timestamp(value) is None:
                raise AslDefinitionError("String does not match RFC3339 timestamp", at)
        else:
            self.getter = compile_path_getter(value, at, self.kind)

    def _seconds(self, strand: Strand, env: Env) -> float:
        kind, getter = self.kind, self.getter
        if kind == "Seconds":
            if getter is None:
                return float(self.value)
            seconds = getter(env)
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds != int(seconds):
                raise unexpected_type(self.value, "Seconds", "integer", seconds)
            if seconds < 0:
                raise StatesError(
                    "States.QueryEvaluationError",
                    f"The Seconds field value must be a non-negative integer, but was: {to_json(seconds)}",
                )
            return float(seconds)
        if kind == "SecondsPath":
            assert getter is not None
            seconds = getter(env.with_input(self.effective_input(env)))
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds != int(seconds):
                raise StatesError(
                    "States.Runtime",
                    f"The SecondsPath parameter cannot be parsed as a long value: {self.value} == {to_json(seconds)}",
                )
            if seconds < 0:
                raise StatesError(
                    "States.Runtime",
                    f"The SecondsPath parameter references a negative value: {self.value} == {to_json(seconds)}",
                )
            return float(seconds)
        if kind == "Timestamp":
            text = self.value if getter is None else getter(env)
            parsed = parse_timestamp(text)
            if parsed is None:
                raise StatesError(
                    "States.QueryEvaluationError",
                    f"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
                    f"format string: {text if isinstance(text, str) else to_json(text)}",
                )
        else:
            assert getter is not None
            text = getter(env.with_input(self.effective_input(env)))
            parsed = parse_timestamp(text)
            if parsed is None:
                shown = text if isinstance(text, str) else to_json(text)
                raise StatesError(
                    "States.Runtime",
                    f"The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
                    f"date-time format string: {self.value} == {shown}",
                )
        return max(timestamp_seconds(parsed) - strand.timeline.now(), 0.0)

    def run(self, strand: Strand, env: Env, entered_at: float) -> StepResult:
        # AWS differs here: the wait comes after the output and assignments are evaluated.
        seconds = self._seconds(strand, env)
        step = super().run(strand, env, entered_at)
        strand.timeline.sleep(seconds)
        return step
