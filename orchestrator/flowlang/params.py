"""Run parameters: check what a run gives against the flow's typed ``params`` and fill defaults.

Contract: :func:`resolve_params` returns the complete parameter object or raises
:class:`FlowValidationError` listing every problem (pointer ``/params/<name>``).
:func:`parse_param_assignments` turns CLI ``k=v`` pairs into values (JSON when it parses).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Protocol

from orchestrator import strict_json
from orchestrator.errors import Problem
from orchestrator.flowlang.errors import FlowValidationError
from orchestrator.strict_json import StrictJsonError, check_value

__all__ = ["PYTHON_TYPES", "ParamSpec", "ParamsOf", "coerce_param_assignments", "parse_param_assignments", "resolve_params"]


class ParamSpec(Protocol):
    """What is read of a parameter: :class:`orchestrator.flowlang.model.Param`, or its copy in the
    compile cache (:mod:`orchestrator.local.compile_cache`, which runs without the models)."""

    @property
    def type(self) -> str: ...
    @property
    def default(self) -> Any: ...
    @property
    def description(self) -> str: ...
    @property
    def enum(self) -> list[Any] | None: ...
    @property
    def format(self) -> str | None: ...
    def has_default(self) -> bool: ...
    def is_required(self) -> bool: ...


class ParamsOf(Protocol):
    """A flow as far as its parameters go (its name and typed ``params``)."""

    @property
    def name(self) -> str: ...
    @property
    def params(self) -> Mapping[str, ParamSpec]: ...


PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}
"""Python types of the JSON value of each parameter ``type`` (``bool`` is also an ``int``: check it)."""
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _type_problem(param: ParamSpec, value: Any) -> str | None:
    if value is None and not param.is_required():
        return None
    ok = isinstance(value, PYTHON_TYPES[param.type]) and not (isinstance(value, bool) and param.type != "boolean")
    if param.type == "integer" and isinstance(value, float) and value.is_integer():
        ok = True
    if not ok:
        return f"expected {param.type}, got {type(value).__name__} {json.dumps(value)[:60]}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a finite number (JSON has no infinities; too large for a double?)"
    if param.enum is not None and value not in param.enum:
        return f"{json.dumps(value)} is not one of {json.dumps(param.enum)}"
    if param.format and isinstance(value, str):
        try:
            if param.format == "date":
                date.fromisoformat(value)
            elif param.format == "date-time":
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            elif param.format == "email" and not _EMAIL.match(value) or param.format == "uri" and "://" not in value:
                raise ValueError
        except ValueError:
            return f"{value!r} is not a valid {param.format}"
    return None


def resolve_params(flow: ParamsOf, given: dict[str, Any] | None, source: str = "params") -> dict[str, Any]:
    """Validated parameters of a run: ``given`` plus defaults; unknown names are errors."""
    given = dict(given or {})
    problems: list[Problem] = []
    if not isinstance(given, dict):
        raise FlowValidationError(where=source, problems=[Problem("/params", "parameters must be a JSON object")])
    resolved: dict[str, Any] = {}
    for name, param in flow.params.items():
        if name in given:
            value = given[name]
        elif param.has_default():
            value = param.default
        elif param.is_required():
            problems.append(Problem(f"/params/{name}", f"missing required parameter '{name}' ({param.type})", param.description))
            continue
        else:
            continue
        problem = _type_problem(param, value)
        if problem:
            problems.append(Problem(f"/params/{name}", problem, param.description))
        resolved[name] = value
    for name in given:
        if name not in flow.params:
            known = ", ".join(flow.params) or "none"
            problems.append(Problem(f"/params/{name}", f"unknown parameter '{name}'", f"parameters of {flow.name}: {known}"))
    if problems:
        raise FlowValidationError(where=source, problems=problems)
    return resolved


def parse_param_assignments(pairs: list[str]) -> dict[str, Any]:
    """``["a=1", "b=x"]`` → ``{"a": 1, "b": "x"}``; values are JSON when they parse, else strings."""
    result: dict[str, Any] = {}
    problems = []
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            problems.append(Problem(f"--param {pair}", "expected NAME=VALUE"))
            continue
        try:
            result[name] = strict_json.loads(raw)
        except StrictJsonError as exc:
            if exc.where.startswith("line"):  # not JSON at all: the text itself
                result[name] = raw
            else:  # JSON that flowctl refuses: NaN/1e400 are typed (and refused) by resolve_params
                try:
                    result[name] = json.loads(raw)
                except (ValueError, RecursionError):  # a huge integer, deep nesting
                    problems.append(Problem(f"/params/{name}{exc.where}", exc.message, exc.hint or "pass it as a string"))
    if problems:
        raise FlowValidationError(where="--param", problems=problems)
    return result


def coerce_param_assignments(flow: ParamsOf, pairs: list[str]) -> dict[str, Any]:
    """CLI ``NAME=VALUE`` pairs typed by the flow: string parameters keep the raw text."""
    def is_text(pair: str) -> bool:
        param = flow.params.get(pair.partition("=")[0])
        return param is not None and param.type == "string" and "=" in pair

    values = parse_param_assignments([p for p in pairs if not is_text(p)])
    problems = []
    for pair in pairs:
        if is_text(pair):
            name, _, raw = pair.partition("=")
            try:
                check_value(raw)
            except StrictJsonError as exc:  # a lone surrogate cannot be written as UTF-8
                problems.append(Problem(f"/params/{name}", exc.message, exc.hint))
            values[name] = raw
    if problems:
        raise FlowValidationError(where="--param", problems=problems)
    return values
