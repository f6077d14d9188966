"""The common life of every state: enter → evaluate → assign → exit, in both query languages.

Contract
--------
:class:`State.execute(path, input)` writes ``<Type>StateEntered``, calls the state's own
``run(path, env)`` (which returns ``(output, next_state_or_None, assigned_variables)``), applies
the assignments, checks the output size (256 KiB, ``States.DataLimitExceeded``) and writes
``<Type>StateExited``. ``States.Runtime`` and ``States.QueryEvaluationError`` raised inside get
AWS's prefix naming the state and the id of its entered event.

Helpers shared by the state types: JSONPath ``InputPath``/``OutputPath``/``ResultPath``/
``ResultSelector``, JSONata ``Output``, ``Assign`` for both, and Retry/Catch
(:meth:`State.run_with_retry`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from orchestrator.engine.errors import AslDefinitionError, StatesError
from orchestrator.engine.execution import Path, Program
from orchestrator.engine.jsonata_checks import check_jsonata_state
from orchestrator.engine.jsonvalue import MAX_PAYLOAD_BYTES, payload_size, to_json
from orchestrator.engine.paths import PathNotFound, PathSyntaxError, compile_path, set_path
from orchestrator.engine.retry import (
    TERMINAL_ERRORS,
    Catcher,
    RetryPolicy,
    parse_catchers,
    parse_retriers,
)
from orchestrator.engine.scope import Env
from orchestrator.engine.templates import (
    Evaluator,
    compile_jsonata_value,
    compile_payload,
    find_path,
)

__all__ = ["BuildContext", "State", "StepResult", "located"]

StepResult = tuple[Any, str | None, dict[str, Any] | None]

_LOCATED = frozenset({"States.Runtime", "States.QueryEvaluationError"})
_PREFIX = "An error occurred while executing the state"
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

COMMON_FIELDS = frozenset({"Type", "Comment", "QueryLanguage"})
JSONPATH_ONLY = frozenset(
    {
        "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Result",
        "ItemsPath", "Iterator", "SecondsPath", "TimestampPath", "ErrorPath", "CausePath",
        "TimeoutSecondsPath", "HeartbeatSecondsPath", "MaxConcurrencyPath",
        "ToleratedFailureCountPath", "ToleratedFailurePercentagePath", "Variable",
    }
)
JSONATA_ONLY = frozenset({"Arguments", "Output", "Items", "Condition"})


def located(err: StatesError, state: str, entered_id: int) -> StatesError:
    """Prefix a Runtime/QueryEvaluation cause with the state and its entered event id."""
    if err.error in _LOCATED and not (err.cause or "").startswith(_PREFIX):
        err.cause = f"{_PREFIX} '{state}' (entered at the event id #{entered_id}). {err.cause or ''}"
    return err


@dataclass
class BuildContext:
    """What a state needs from the definition being built."""

    query_language: str
    machine_type: str
    build_program: Callable[[Any, str, str, bool], Program]
    substitutions: dict[str, str]


class State:
    """Base of all state types."""

    type: ClassVar[str] = ""
    fields: ClassVar[frozenset[str]] = frozenset()
    has_transition: ClassVar[bool] = True
    retry_catch: ClassVar[bool] = False

    def __init__(self, name: str, spec: dict[str, Any], where: str, ctx: BuildContext) -> None:
        self.name = name
        self.spec = spec
        self.where = where
        self.entered_type = f"{self.type}StateEntered"
        self.exited_type = f"{self.type}StateExited"
        ql = spec.get("QueryLanguage", ctx.query_language)
        if ql not in ("JSONPath", "JSONata"):
            raise AslDefinitionError("'QueryLanguage' must be JSONPath or JSONata", where)
        if ctx.query_language == "JSONata" and ql == "JSONPath":
            raise AslDefinitionError(
                "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", where
            )
        self.jsonata = ql == "JSONata"
        self._check_fields()
        if self.jsonata:
            check_jsonata_state(self.type, spec, where)
        self.next: str | None = None
        self.end = False
        if self.has_transition:
            self._parse_transition()
        # JSONPath I/O
        self.input_path: Evaluator | None = self._path_io("InputPath")
        self.output_path: Evaluator | None = self._path_io("OutputPath")
        # JSONata I/O
        self.output, self.assign = self._compile_output_assign(spec, where)
        self.retriers = parse_retriers(spec.get("Retry"), f"{where}/Retry") if self.retry_catch else ()
        self.catchers: tuple[Catcher, ...] = ()
        self.catch_parts: list[tuple[Catcher, Any, Evaluator | None, Evaluator | None]] = []
        if self.retry_catch:
            self.catchers = parse_catchers(spec.get("Catch"), f"{where}/Catch")
            for c in self.catchers:
                self.catch_parts.append(self._compile_catcher(c))

    # -- definition --------------------------------------------------------------------------
    def _check_fields(self) -> None:
        if "Comment" in self.spec and not isinstance(self.spec["Comment"], str):
            raise AslDefinitionError("The value of 'Comment' must be a string", f"{self.where}/Comment")
        for key in self.spec:
            if key in COMMON_FIELDS:
                continue
            if self.jsonata and key in JSONPATH_ONLY:
                raise AslDefinitionError(
                    f"The field '{key}' is not supported for state type '{self.type}' when the "
                    f"query language is JSONata",
                    f"{self.where}/{key}",
                )
            if not self.jsonata and key in JSONATA_ONLY:
                raise AslDefinitionError(
                    f"The field '{key}' is not supported for state type '{self.type}' when the "
                    f"query language is JSONPath",
                    f"{self.where}/{key}",
                )
            if key not in self.fields:
                raise AslDefinitionError(
                    f"Field '{key}' is not supported by state type '{self.type}'", f"{self.where}/{key}"
                )

    def _parse_transition(self) -> None:
        spec = self.spec
        has_next, end = "Next" in spec, spec.get("End", False)
        if end not in (True, False):
            raise AslDefinitionError("'End' must be a boolean", f"{self.where}/End")
        if has_next and end:
            raise AslDefinitionError("A state can not have both 'Next' and 'End'", self.where)
        if not has_next and not end:
            raise AslDefinitionError(
                f"State '{self.name}' is not an end state and has no 'Next' field",
                self.where,
                code="MISSING_TRANSITION_TARGET",
            )
        if has_next and not isinstance(spec["Next"], str):
            raise AslDefinitionError("'Next' must be a string", f"{self.where}/Next")
        self.next = spec.get("Next")
        self.end = bool(end)

    def _path_io(self, key: str) -> Evaluator | None:
        """InputPath/OutputPath: None = identity; null = {} ; a path = its value."""
        if self.jsonata or key not in self.spec:
            return None
        text = self.spec[key]
        if text is None:
            return lambda env: {}
        return compile_io_path(text, f"{self.where}/{key}", key)

    def _compile_assign(self, value: Any, where: str) -> Evaluator:
        if not isinstance(value, dict):
            raise AslDefinitionError("'Assign' must be an object", where)
        for key in value:
            name = key[:-2] if not self.jsonata and key.endswith(".$") else key
            if not _VAR_NAME.fullmatch(name) or name == "states":
                raise AslDefinitionError(f"The variable name '{name}' is not valid", where)
        if self.jsonata:
            return compile_jsonata_value(value, where, "Assign")
        return compile_payload(value, where)

    def compile_result_path(self, spec: dict[str, Any], where: str) -> Any:
        """ResultPath: ``"$"`` (default) → the result; null → the input; a path → merged."""
        if "ResultPath" not in spec:
            return "$"
        text = spec["ResultPath"]
        if text is None:
            return None
        try:
            path = compile_path(text) if isinstance(text, str) else None
        except PathSyntaxError:
            path = None
        if path is None or path.root != "$" or not path.definite:
            raise AslDefinitionError("The value for the field 'ResultPath' must be a valid JSONPath", where)
        return "$" if not path.steps else path

    def _compile_catcher(self, catcher: Catcher) -> tuple[Catcher, Any, Evaluator | None, Evaluator | None]:
        where = f"{self.where}/Catch/{catcher.index}"
        spec = catcher.spec
        allowed = {"ErrorEquals", "Next", "Comment", "Assign"}
        allowed |= {"Output"} if self.jsonata else {"ResultPath"}
        for key in spec:
            if key not in allowed:
                raise AslDefinitionError(f"Field '{key}' is not supported in a catcher", f"{where}/{key}")
        result_path = None if self.jsonata else self.compile_result_path(spec, f"{where}/ResultPath")
        output, assign = self._compile_output_assign(spec, where)
        return catcher, result_path, output, assign

    def _compile_output_assign(self, spec: dict[str, Any], where: str) -> tuple[Evaluator | None, Evaluator | None]:
        """JSONata ``Output`` and ``Assign`` (either may be None). A variable assigned the very
        template of ``Output`` (a compiled ``set`` node: ``Assign {x: T}, Output T``) takes the
        value ``Output`` computed in the same state instead of evaluating ``T`` twice; both see
        the same input, result and variables, so only ``$random()``/``$uuid()`` could differ,
        and templates calling them are evaluated twice as before."""
        output: Evaluator | None = None
        if self.jsonata and "Output" in spec:
            output = compile_jsonata_value(spec["Output"], f"{where}/Output", "Output")
        if "Assign" not in spec:
            return output, None
        assign = self._compile_assign(spec["Assign"], f"{where}/Assign")
        if output is None or getattr(output, "constant", False):
            return output, assign
        template = json.dumps(spec["Output"])  # text: 1 == True, but not as JSON
        shared = [k for k, v in spec["Assign"].items() if json.dumps(v) == template]
        if not shared or _NONDETERMINISTIC.search(template):
            return output, assign
        output = _memoised(output)
        parts = [
            (k, output if k in shared else compile_jsonata_value(v, f"{where}/Assign", f"Assign/{k}"))
            for k, v in spec["Assign"].items()
        ]
        return output, lambda env: {k: part(env) for k, part in parts}

    def targets(self) -> list[tuple[str, str]]:
        """(target state name, where) of every transition (for validation)."""
        out = []
        if self.next is not None:
            out.append((self.next, f"{self.where}/Next"))
        for c in self.catchers:
            out.append((c.next, f"{self.where}/Catch/{c.index}/Next"))
        return out

    # -- runtime -----------------------------------------------------------------------------
    def execute(self, path: Path, raw_input: Any) -> tuple[Any, str | None]:
        entered_at = path.timeline.now()
        last = path.last_output
        input_text = last[1] if last is not None and last[0] is raw_input else to_json(raw_input)
        entered = path.event(
            self.entered_type,
            {"name": self.name, "input": input_text, "inputDetails": {"truncated": False}},
        )
        env = Env(raw_input, path.variables, lambda: self.context(path, entered_at))
        try:
            output, nxt, assigned = self.run(path, env)
            # A state that passes its input on shares its text: a loop's history holds one copy.
            text = input_text if output is raw_input else to_json(output)
            if payload_size(text) > MAX_PAYLOAD_BYTES:
                raise StatesError(
                    "States.DataLimitExceeded",
                    f"The state/task '{self.name}' returned a result with a size exceeding the "
                    f"maximum number of bytes service limit.",
                )
        except StatesError as err:
            raise located(err, self.name, entered) from None
        details: dict[str, Any] = {"name": self.name, "output": text, "outputDetails": {"truncated": False}}
        if assigned:
            path.variables.assign(assigned)
            details["assignedVariables"] = {k: text if v is output else to_json(v) for k, v in assigned.items()}
            details["assignedVariablesDetails"] = {"truncated": False}
        path.event(self.exited_type, details)
        path.last_output = (output, text)
        return output, nxt

    def context(self, path: Path, entered_at: float) -> dict[str, Any]:
        return path.context(self.name, entered_at)

    def run(self, path: Path, env: Env) -> StepResult:
        raise NotImplementedError

    # JSONPath helpers
    def effective_input(self, env: Env) -> Any:
        return env.input if self.input_path is None else self.input_path(env)

    def apply_result_path(self, result_path: Any, raw_input: Any, result: Any) -> Any:
        if result_path == "$":
            return result
        if result_path is None:
            return raw_input
        return set_path(
            raw_input,
            result_path,
            result,
            lambda text: StatesError(
                "States.Runtime",
                f"Invalid path '{text}' : Unable to apply ResultPath to the input '{to_json(raw_input)}'",
            ),
        )

    def apply_output_path(self, env: Env, output: Any) -> Any:
        if self.output_path is None:
            return output
        return self.output_path(env.with_input(output))

    def evaluate_assign(self, env: Env) -> dict[str, Any] | None:
        return self.assign(env) if self.assign is not None else None

    # Retry/Catch
    def run_with_retry(self, path: Path, env: Env, attempt: Callable[[int], Any]) -> tuple[bool, Any]:
        """Call ``attempt(retry_count)`` until it returns, retrying as the Retry field says.

        Returns ``(True, result)``, or ``(False, (catcher_parts, error))`` when a catcher took
        the error; re-raises an error nobody handles."""
        policy = RetryPolicy(self.retriers) if self.retriers else None
        retries = 0
        while True:
            try:
                return True, attempt(retries)
            except StatesError as err:
                if err.error in TERMINAL_ERRORS:
                    raise
                delay = policy.next_delay(err.error) if policy is not None else None
                if delay is not None:
                    retries += 1
                    path.timeline.sleep(delay)
                    continue
                for parts in self.catch_parts:
                    if parts[0].matches(err.error):
                        return False, (parts, err)
                raise

    def caught(self, path: Path, env: Env, parts: Any, err: StatesError) -> StepResult:
        """The output, next state and assignments of a catcher that took ``err``."""
        catcher, result_path, output, assign = parts
        error_output: dict[str, Any] = {}
        if err.error is not None:
            error_output["Error"] = err.error
        if err.cause is not None:
            error_output["Cause"] = err.cause
        if self.jsonata:
            env.error_output = error_output
            value = output(env) if output is not None else error_output
            assigned = assign(env) if assign is not None else None
        else:
            value = self.apply_result_path(result_path, env.input, error_output)
            assigned = assign(env.with_input(error_output)) if assign is not None else None
        return value, catcher.next, assigned


def compile_io_path(text: Any, where: str, field: str) -> Evaluator:
    """A path field whose miss is AWS's "Invalid path '$.x' : No results for path: $['x']"."""
    try:
        path = compile_path(text) if isinstance(text, str) else None
    except PathSyntaxError:
        path = None
    if path is None:
        raise AslDefinitionError(f"The value for the field '{field}' must be a valid JSONPath", where)
    if path.root == "$" and not path.steps:
        return lambda env: env.input

    def get(env: Env) -> Any:
        try:
            return find_path(path, env)
        except PathNotFound as exc:
            raise StatesError(
                "States.Runtime", f"Invalid path '{path.text}' : No results for path: {exc.normalized}"
            ) from None

    return get


_NONDETERMINISTIC = re.compile(r"\$(random|uuid)\s*\(")


def _memoised(evaluator: Evaluator) -> Evaluator:
    """``evaluator`` evaluated once per :class:`Env` (the value is kept on the env)."""

    def evaluate(env: Env) -> Any:
        memo = env.memo
        if memo is not None and memo[0] is evaluate:
            return memo[1]
        value = evaluator(env)
        env.memo = (evaluate, value)
        return value

    return evaluate
