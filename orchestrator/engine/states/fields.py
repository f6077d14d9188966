"""Compiling the fields every state type shares, once, when the definition is loaded.

Contract
--------
Each function checks one shared field (or group) of a state and returns what the pipeline of
:mod:`~orchestrator.engine.states.base` runs; a problem raises ``AslDefinitionError`` naming
the field by JSON pointer (``where``), in AWS's words:

* :func:`check_fields` — the fields allowed for a state type and its query language;
* :func:`parse_transition` — ``Next`` / ``End``;
* :func:`compile_io_path` — ``InputPath`` / ``OutputPath``; :func:`compile_result_path` —
  ``ResultPath`` (``"$"``: the result, None: the input, a path: merged into the input);
* :func:`compile_limit_field` — a number given as a constant, a ``<Field>Path`` or a JSONata
  expression (``TimeoutSeconds``, ``MaxConcurrency``, ...);
* :func:`compile_assign` and :func:`compile_output_assign` — ``Assign`` (both languages) and
  JSONata ``Output``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from orchestrator.engine.errors import AslDefinitionError, StatesError
from orchestrator.engine.jsonata_expr import is_expression
from orchestrator.engine.paths import PathNotFound, PathSyntaxError, compile_path
from orchestrator.engine.payload_templates import (
    Evaluator,
    compile_jsonata_value,
    compile_path_getter,
    compile_payload,
    find_path,
)
from orchestrator.engine.scope import Env

__all__ = [
    "check_fields",
    "compile_assign",
    "compile_io_path",
    "compile_limit_field",
    "compile_output_assign",
    "compile_result_path",
    "parse_transition",
]

_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NONDETERMINISTIC = re.compile(r"\$(random|uuid)\s*\(")

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


def check_fields(state_type: str, fields: frozenset[str], spec: dict[str, Any], where: str, jsonata: bool) -> None:
    """Every field of ``spec`` is one ``state_type`` supports in its query language."""
    if "Comment" in spec and not isinstance(spec["Comment"], str):
        raise AslDefinitionError("The value of 'Comment' must be a string", f"{where}/Comment")
    for key in spec:
        if key in COMMON_FIELDS:
            continue
        if jsonata and key in JSONPATH_ONLY:
            raise AslDefinitionError(
                f"The field '{key}' is not supported for state type '{state_type}' when the query language is JSONata",
                f"{where}/{key}",
            )
        if not jsonata and key in JSONATA_ONLY:
            raise AslDefinitionError(
                f"The field '{key}' is not supported for state type '{state_type}' when the query language is JSONPath",
                f"{where}/{key}",
            )
        if key not in fields:
            raise AslDefinitionError(f"Field '{key}' is not supported by state type '{state_type}'", f"{where}/{key}")


def parse_transition(name: str, spec: dict[str, Any], where: str) -> tuple[str | None, bool]:
    """``(Next, End)`` of a state that has exactly one of them."""
    has_next, end = "Next" in spec, spec.get("End", False)
    if end not in (True, False):
        raise AslDefinitionError("'End' must be a boolean", f"{where}/End")
    if has_next and end:
        raise AslDefinitionError("A state can not have both 'Next' and 'End'", where)
    if not has_next and not end:
        raise AslDefinitionError(
            f"State '{name}' is not an end state and has no 'Next' field", where, code="MISSING_TRANSITION_TARGET"
        )
    if has_next and not isinstance(spec["Next"], str):
        raise AslDefinitionError("'Next' must be a string", f"{where}/Next")
    return spec.get("Next"), bool(end)


def compile_io_path(spec: dict[str, Any], key: str, where: str) -> Evaluator | None:
    """InputPath/OutputPath: absent = None (identity); null = ``{}``; a path = its value, whose
    miss is AWS's "Invalid path '$.x' : No results for path: $['x']"."""
    if key not in spec:
        return None
    text = spec[key]
    if text is None:
        return lambda env: {}
    where = f"{where}/{key}"
    try:
        path = compile_path(text) if isinstance(text, str) else None
    except PathSyntaxError:
        path = None
    if path is None:
        raise AslDefinitionError(f"The value for the field '{key}' must be a valid JSONPath", where)
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


def compile_result_path(spec: dict[str, Any], where: str) -> Any:
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


def compile_limit_field(
    spec: dict[str, Any], key: str, where: str, jsonata: bool, check: Callable[[Any], None]
) -> tuple[str, Any] | None:
    """``key`` given as a constant, as ``<key>Path`` or (JSONata) as an expression:
    ``("const", value)`` | ``("path", getter)`` | ``("jsonata", evaluator)``, None when absent.
    ``check(value)`` raises ``AslDefinitionError`` for a constant AWS rejects; the state checks
    the run-time values with AWS's texts."""
    path_key = f"{key}Path"
    if key in spec and path_key in spec:
        raise AslDefinitionError(f"'{key}' and '{path_key}' are mutually exclusive", where)
    if key in spec:
        value = spec[key]
        if jsonata and is_expression(value):
            return "jsonata", compile_jsonata_value(value, f"{where}/{key}", key)
        check(value)
        return "const", value
    if path_key in spec:
        return "path", compile_path_getter(spec[path_key], f"{where}/{path_key}", path_key)
    return None


def compile_assign(value: Any, where: str, jsonata: bool) -> Evaluator:
    """``Assign``: valid variable names; JSONata values or a JSONPath payload template."""
    if not isinstance(value, dict):
        raise AslDefinitionError("'Assign' must be an object", where)
    for key in value:
        name = key[:-2] if not jsonata and key.endswith(".$") else key
        if not _VAR_NAME.fullmatch(name) or name == "states":
            raise AslDefinitionError(f"The variable name '{name}' is not valid", where)
    if jsonata:
        return compile_jsonata_value(value, where, "Assign")
    return compile_payload(value, where)


def compile_output_assign(
    spec: dict[str, Any], where: str, jsonata: bool
) -> tuple[Evaluator | None, Evaluator | None]:
    """JSONata ``Output`` and ``Assign`` (either may be None). A variable assigned the very
    template of ``Output`` (a compiled ``set`` node: ``Assign {x: T}, Output T``) takes the
    value ``Output`` computed in the same state instead of evaluating ``T`` twice; both see
    the same input, result and variables, so only ``$random()``/``$uuid()`` could differ,
    and templates calling them are evaluated twice as before."""
    output: Evaluator | None = None
    if jsonata and "Output" in spec:
        output = compile_jsonata_value(spec["Output"], f"{where}/Output", "Output")
    if "Assign" not in spec:
        return output, None
    assign = compile_assign(spec["Assign"], f"{where}/Assign", jsonata)
    if output is None or getattr(output, "constant", False):
        return output, assign
    template = json.dumps(spec["Output"])  # text: 1 == True, but not as JSON
    shared = [k for k, v in spec["Assign"].items() if json.dumps(v) == template]
    if not shared or _NONDETERMINISTIC.search(template):
        return output, assign
    if len(shared) == len(spec["Assign"]):  # every variable takes the output (a ``set`` node)
        return output, _assign_output(tuple(shared), output)
    output = _memoised(output)
    parts = [
        (k, output if k in shared else compile_jsonata_value(v, f"{where}/Assign", f"Assign/{k}"))
        for k, v in spec["Assign"].items()
    ]
    return output, lambda env: {k: part(env) for k, part in parts}


def _assign_output(names: tuple[str, ...], output: Evaluator) -> Evaluator:
    """The ``Assign`` of ``names`` that all take the value of ``Output``. Its ``output_names``
    tells the pipeline to assign the output it has just computed (no second evaluation)."""

    def assign(env: Env) -> dict[str, Any]:
        return dict.fromkeys(names, output(env))

    assign.output_names = names  # type: ignore[attr-defined]
    return assign


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
