"""From an ASL document to a runnable, validated :class:`Machine`.

Contract
--------
:func:`load_definition(definition, substitutions, machine_type)` accepts a dict or JSON text,
applies DefinitionSubstitutions (``${Name}`` in string values), validates everything AWS's
CreateStateMachine validates that matters for running (required fields, state types, fields
allowed per type and query language, transition targets, paths, intrinsic functions and
JSONata syntax, Retry/Catch, resources, EXPRESS restrictions) and compiles every expression
once. Problems raise ``AslDefinitionError`` naming the field by JSON pointer.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.engine.errors import AslDefinitionError
from orchestrator.engine.program import Program
from orchestrator.engine.states import STATE_TYPES, BuildContext, State
from orchestrator.limits import MAX_DEFINITION_DEPTH
from orchestrator.strict_json import StrictJsonError, check_value
from orchestrator.strict_json import loads as strict_loads

__all__ = ["Machine", "load_definition", "substitute"]

_TOP_FIELDS = {"StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage"}
_PROGRAM_FIELDS = {"StartAt", "States", "Comment", "QueryLanguage", "ProcessorConfig"}
_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class Machine:
    """A validated, compiled state machine."""

    program: Program
    query_language: str
    timeout_seconds: int | None
    definition: dict[str, Any]


def substitute(value: Any, substitutions: Mapping[str, str]) -> Any:
    """Replace ``${Name}`` in every string value with ``substitutions[Name]`` (others stay)."""
    if not substitutions:
        return value
    if isinstance(value, str):
        if "${" not in value:
            return value
        return _PLACEHOLDER.sub(lambda m: str(substitutions.get(m.group(1), m.group(0))), value)
    if isinstance(value, dict):
        return {k: substitute(v, substitutions) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, substitutions) for v in value]
    return value


def _required(spec: dict[str, Any], where: str) -> None:
    missing = [k for k in ("States", "StartAt") if k not in spec]
    if missing:
        raise AslDefinitionError(f"These fields are required: [{', '.join(missing)}]", where or "/")


def load_definition(
    definition: Mapping[str, Any] | str,
    substitutions: Mapping[str, str] | None = None,
    machine_type: str = "STANDARD",
) -> Machine:
    """The checked, compiled state machine of ``definition`` (AslDefinitionError when invalid).

    A machine holds no execution state, so the last few are kept by their definition's text:
    ``run_state_machine`` called again on the same definition does not check and compile it
    again."""
    try:
        text = definition if isinstance(definition, str) else json.dumps(definition, sort_keys=True)
        key: tuple[Any, ...] | None = (text, tuple(sorted((substitutions or {}).items())), machine_type)
    except (TypeError, ValueError, RecursionError):  # not JSON: let the checks below say what is wrong
        key = None
    if key is not None:
        machine = _machines.get(key)
        if machine is not None:
            return machine
    machine = _load_definition(definition, substitutions, machine_type)
    if key is not None:
        with _machines_lock:
            if len(_machines) >= 32:
                _machines.pop(next(iter(_machines)))
            _machines[key] = machine
    return machine


_machines: dict[tuple[Any, ...], Machine] = {}
_machines_lock = threading.Lock()


def _load_definition(
    definition: Mapping[str, Any] | str | bytes,
    substitutions: Mapping[str, str] | None,
    machine_type: str,
) -> Machine:
    if isinstance(definition, str | bytes):
        if not definition.strip():
            raise AslDefinitionError("Definition must be a valid JSON object")
        try:
            definition = strict_loads(definition, max_depth=MAX_DEFINITION_DEPTH)
        except StrictJsonError as exc:
            raise AslDefinitionError(
                f"The definition is not valid JSON: {exc.message}", exc.where or "/", code="INVALID_JSON_DESCRIPTION"
            ) from None
    if not isinstance(definition, Mapping):
        raise AslDefinitionError("Definition must be a valid JSON object")
    try:
        check_value(definition, max_depth=MAX_DEFINITION_DEPTH)
    except StrictJsonError as exc:
        raise AslDefinitionError(exc.message, exc.where or "/") from None
    if machine_type not in ("STANDARD", "EXPRESS"):
        raise AslDefinitionError("The state machine type must be STANDARD or EXPRESS", "/")
    spec = substitute(dict(definition), dict(substitutions or {}))
    _required(spec, "")
    for key in spec:
        if key not in _TOP_FIELDS:
            raise AslDefinitionError(f"Field '{key}' is not supported at the top level", f"/{key}")
    for key in ("Comment", "Version"):
        if key in spec and not isinstance(spec[key], str):
            raise AslDefinitionError(f"The value of '{key}' must be a string", f"/{key}")
    ql = spec.get("QueryLanguage", "JSONPath")
    if ql not in ("JSONPath", "JSONata"):
        raise AslDefinitionError("'QueryLanguage' must be JSONPath or JSONata", "/QueryLanguage")
    timeout = spec.get("TimeoutSeconds")
    if timeout is not None and (not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 1):
        raise AslDefinitionError("'TimeoutSeconds' must be a positive integer", "/TimeoutSeconds")

    def build_program(program: Any, where: str, query_language: str, isolated: bool) -> Program:
        if not isinstance(program, dict):
            raise AslDefinitionError("A state machine must be an object", where or "/")
        _required(program, where)
        for key in program:
            if key not in _PROGRAM_FIELDS and where:
                raise AslDefinitionError(f"Field '{key}' is not supported", f"{where}/{key}")
        if "Comment" in program and not isinstance(program["Comment"], str):
            raise AslDefinitionError("The value of 'Comment' must be a string", f"{where}/Comment")
        states_spec = program["States"]
        start_at = program["StartAt"]
        if not isinstance(states_spec, dict) or not states_spec:
            raise AslDefinitionError("'States' must be a non-empty object", f"{where}/States")
        if not isinstance(start_at, str):
            raise AslDefinitionError("'StartAt' must be a string", f"{where}/StartAt")
        inner_ql = program.get("QueryLanguage", query_language)
        if query_language == "JSONata" and inner_ql == "JSONPath":
            raise AslDefinitionError(
                "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
                f"{where}/QueryLanguage",
            )
        ctx = BuildContext(inner_ql, machine_type, build_program, dict(substitutions or {}))
        states: dict[str, State] = {}
        for name, state_spec in states_spec.items():
            at = f"{where}/States/{name}"
            if not isinstance(state_spec, dict):
                raise AslDefinitionError("A state must be an object", at)
            if "Type" not in state_spec:
                raise AslDefinitionError("These fields are required: [Type]", at)
            kind = state_spec["Type"]
            cls = STATE_TYPES.get(kind) if isinstance(kind, str) else None
            if cls is None:
                raise AslDefinitionError(
                    f"The value of 'Type' must be one of {sorted(STATE_TYPES)}, not {state_spec['Type']!r}",
                    f"{at}/Type",
                )
            if len(name) > 80:
                raise AslDefinitionError("State names must be at most 80 characters long", at)
            try:
                states[name] = cls(name, state_spec, at, ctx)
            except (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError) as exc:
                # A field of an unexpected JSON type that no specific check caught.
                raise AslDefinitionError(f"Invalid field value ({type(exc).__name__}: {exc})", at) from None
        if start_at not in states:
            raise AslDefinitionError(
                f"Missing 'Next' target: {start_at}", f"{where}/StartAt", code="MISSING_TRANSITION_TARGET"
            )
        for state in states.values():
            for target, at in state.targets():
                if not isinstance(target, str):
                    raise AslDefinitionError("A transition target must be a state name (a string)", at)
                if target not in states:
                    raise AslDefinitionError(f"Missing 'Next' target: {target}", at, code="MISSING_TRANSITION_TARGET")
        return Program(start_at, states, where)

    program = build_program(spec, "", ql, False)
    return Machine(program, ql, timeout, spec)
