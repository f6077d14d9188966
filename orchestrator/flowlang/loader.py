"""Read a flow file (JSON or YAML) and check it against the flow JSON Schema.

Contract: :func:`load_flow` returns a :class:`~orchestrator.flowlang.model.Flow` or raises
:class:`~orchestrator.flowlang.errors.FlowValidationError` listing *every* schema problem, each with
its JSON pointer and a hint; unreadable files and JSON/YAML syntax errors raise
:class:`~orchestrator.flowlang.errors.FlowLoadError` with the line and column.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError as PydanticValidationError

from orchestrator import strict_json
from orchestrator.errors import Problem
from orchestrator.flowlang.errors import FlowLoadError, FlowValidationError
from orchestrator.flowlang.model import Flow
from orchestrator.flowlang.reads import note_file
from orchestrator.flowlang.schema import flow_schema, validation_schema
from orchestrator.flowlang.schema_check import conforms
from orchestrator.limits import MAX_FLOW_FILE_BYTES
from orchestrator.strict_json import StrictJsonError, check_value

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

__all__ = ["load_flow", "load_flow_document", "parse_flow", "pointer", "schema_problems"]

_VALIDATOR: Draft202012Validator | None = None


def pointer(path: Any) -> str:
    """JSON pointer (RFC 6901) of a path of keys and indexes."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""


def load_flow_document(path: Path | str) -> dict[str, Any]:
    """Parse a flow file into plain data; syntax errors name the line and column.

    The data is strict JSON (:mod:`orchestrator.strict_json`): no NaN/Infinity, lone
    surrogates, duplicate keys, huge integers or deep nesting, in JSON and YAML files alike.
    """
    path = Path(path)
    source = str(path)
    note_file(path)
    try:
        size = path.stat().st_size
        if size > MAX_FLOW_FILE_BYTES:
            raise FlowLoadError(where=source, problems=[Problem("", f"the file has {size} bytes; flows are limited to {MAX_FLOW_FILE_BYTES}")])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FlowLoadError(where=source, problems=[Problem("", "file not found", "check the path")]) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise FlowLoadError(where=source, problems=[Problem("", f"cannot read the file: {exc}")]) from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            from orchestrator.flowlang.yaml_text import parse_yaml  # PyYAML only for YAML flows

            doc = parse_yaml(text, source)
            check_value(doc)
        else:
            doc = strict_json.loads(text)
    except StrictJsonError as exc:
        raise FlowLoadError(where=source, problems=[Problem(exc.where, exc.message, exc.hint or "fix the value")]) from None
    if not isinstance(doc, dict):
        raise FlowLoadError(where=source, problems=[Problem("", "a flow must be a JSON object", 'start with {"name": ..., "nodes": {...}}')])
    return doc


def _validator() -> Draft202012Validator:
    global _VALIDATOR
    if _VALIDATOR is None:
        from jsonschema import Draft202012Validator

        _VALIDATOR = Draft202012Validator(flow_schema())
    return _VALIDATOR


def _describe(error: ValidationError) -> tuple[str, str]:
    """A readable message and hint for one schema error."""
    if error.validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed] if isinstance(error.instance, dict) else []
        hints = []
        for key in extra:
            close = difflib.get_close_matches(key, allowed, n=1)
            hints.append(f"'{key}': did you mean '{close[0]}'?" if close else f"'{key}' is not a field here")
        return f"unknown field(s): {', '.join(repr(k) for k in extra)}", "; ".join(hints) + f" (allowed: {', '.join(allowed)})"
    if error.validator in ("anyOf", "oneOf") and error.context:
        # Prefer the alternative that is not just "null".
        real = [e for e in error.context if e.schema.get("type") != "null"]
        best = real[0] if real else error.context[0]
        return _describe(best)
    if error.validator == "pattern" and error.absolute_path and error.absolute_path[-1] in ("name",):
        return error.message, "use lowercase letters, digits and '-'"
    if error.validator == "propertyNames":
        return f"invalid id {error.instance!r}", "ids use lowercase letters, digits, '-' and '_', starting with a letter"
    if error.validator == "required":
        return error.message, "add the missing field"
    return error.message, ""


def schema_problems(doc: Any) -> list[Problem]:
    """Every JSON Schema problem of ``doc``, sorted by location (jsonschema lists them; a valid
    flow is recognised without it, see :mod:`orchestrator.flowlang.schema_check`)."""
    if conforms(doc, validation_schema()):
        return []
    problems = []
    for error in _validator().iter_errors(doc):
        message, hint = _describe(error)
        path = list(error.absolute_path)
        if error.validator == "propertyNames" and isinstance(error.instance, str):
            path.append(error.instance)
        problems.append(Problem(pointer(path), message, hint))
    return sorted(set(problems), key=lambda p: (p.where, p.message))


def parse_flow(doc: dict[str, Any], source: str = "<flow>") -> Flow:
    """Validate plain data against the schema and build the model (all problems at once)."""
    problems = schema_problems(doc)
    if problems:
        raise FlowValidationError(where=source, problems=problems)
    try:
        return Flow.model_validate(doc)
    except PydanticValidationError as exc:
        found = [Problem(pointer(e["loc"]), e["msg"]) for e in exc.errors()]
        raise FlowValidationError(where=source, problems=found) from None


def load_flow(path: Path | str) -> Flow:
    """Read, parse and schema-check a flow file."""
    return parse_flow(load_flow_document(path), str(path))
