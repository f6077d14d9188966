"""EventBridge event patterns: does an event match a rule's pattern?

Implements EventBridge's content filtering ("Content filtering in Amazon EventBridge event
patterns", EventBridge user guide): a pattern has the event's structure; the fields of a pattern
object must all match (AND), the values of a field's list are alternatives (OR), ``$or`` lists
alternative sub-patterns. A leaf value matches an event value that is equal (same JSON type:
``"5"`` is not ``5``), or the event value satisfies an operator object:

``prefix``, ``suffix`` (a string, or ``{"equals-ignore-case": s}``), ``equals-ignore-case``,
``wildcard`` (``*`` any characters, ``\\*`` a star), ``anything-but`` (a value, a list of values,
or ``{"prefix"|"suffix"|"equals-ignore-case"|"wildcard": s or [s, ...]}``), ``numeric``
(``[">", 0, "<=", 5]``), ``cidr`` (IPv4 or IPv6 block), ``exists`` (true/false).

An event value that is a list matches when any of its elements matches; a missing field matches
only ``{"exists": false}``.

Example::

    >>> matches({"source": ["shop.orders"], "detail": {"total": [{"numeric": [">", 100]}]}},
    ...         {"source": "shop.orders", "detail": {"total": 250}})
    True
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from orchestrator.errors import FlowctlError, Problem
from orchestrator.wildcard import compile_wildcard

__all__ = ["PatternError", "check_pattern", "matches"]

_MISSING: Any = object()
_NUMERIC_OPS = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_STRING_OPS = ("prefix", "suffix", "equals-ignore-case", "wildcard")
_OPERATORS = (*_STRING_OPS, "anything-but", "numeric", "cidr", "exists")


class PatternError(FlowctlError):
    """An event pattern EventBridge would refuse (``InvalidEventPatternException``)."""


def matches(pattern: Mapping[str, Any], event: Any) -> bool:
    """True when ``event`` (a dict) matches the EventBridge ``pattern``."""
    return _match_object(pattern, event if isinstance(event, Mapping) else {})


def check_pattern(pattern: Any, where: str = "") -> list[Problem]:
    """Every problem of ``pattern`` (empty when EventBridge would accept it)."""
    if not isinstance(pattern, Mapping):
        return [
            Problem(
                where or "/",
                "an event pattern is a JSON object",
                'e.g. {"source": ["shop.orders"]}',
            )
        ]
    problems: list[Problem] = []
    for key, value in pattern.items():
        here = f"{where}/{key}"
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                problems.append(Problem(here, "$or takes a list of at least two patterns"))
                continue
            for i, sub in enumerate(value):
                problems.extend(check_pattern(sub, f"{here}/{i}"))
        elif isinstance(value, Mapping):
            problems.extend(check_pattern(value, here))
        elif isinstance(value, list):
            if not value:
                problems.append(Problem(here, "a field's list of values may not be empty"))
            for i, matcher in enumerate(value):
                problems.extend(_check_matcher(matcher, f"{here}/{i}"))
        else:
            problems.append(
                Problem(
                    here,
                    "a pattern value is a list of values or an object",
                    f'write ["{value}"] to match that value',
                )
            )
    return problems


# ---------------------------------------------------------------------------------- matching
def _match_object(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    for key, wanted in pattern.items():
        if key == "$or":
            if not any(_match_object(sub, event) for sub in wanted):
                return False
            continue
        value = event.get(key, _MISSING)
        if isinstance(wanted, Mapping):
            if not _match_nested(wanted, value):
                return False
        elif not _match_leaf(wanted, value):
            return False
    return True


def _match_nested(pattern: Mapping[str, Any], value: Any) -> bool:
    if isinstance(value, Mapping):
        return _match_object(pattern, value)
    if isinstance(value, list):  # an array of objects: any element may match
        return any(isinstance(v, Mapping) and _match_object(pattern, v) for v in value)
    # A missing object still matches a pattern made only of {"exists": false} leaves.
    return _match_object(pattern, {})


def _match_leaf(matchers: list[Any], value: Any) -> bool:
    values = _values(value)
    for matcher in matchers:
        if isinstance(matcher, Mapping) and "exists" in matcher:
            if bool(matcher["exists"]) == bool(values):
                return True
            continue
        if any(_match_value(matcher, v) for v in values):
            return True
    return False


def _values(value: Any) -> list[Any]:
    """The leaf values of an event field (a list gives its elements; missing gives none)."""
    if value is _MISSING:
        return []
    if isinstance(value, list):
        return [v for v in value if not isinstance(v, (list, Mapping))]
    return [] if isinstance(value, Mapping) else [value]


def _same(a: Any, b: Any) -> bool:
    """JSON equality: booleans are not numbers, 1 equals 1.0."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b or (type(a) is type(b) and a == b)
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)
    return type(a) is type(b) and a == b


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _match_value(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, Mapping):
        return _same(matcher, value)
    ((op, arg),) = matcher.items()
    if op == "anything-but":
        return _anything_but(arg, value)
    if op == "numeric":
        return _is_number(value) and _numeric(arg, float(value))
    if op == "cidr":
        return isinstance(value, str) and _in_cidr(value, arg)
    if not isinstance(value, str):
        return False
    return _string_op(op, arg, value)


def _string_op(op: str, arg: Any, value: str) -> bool:
    if op == "equals-ignore-case":
        return value.casefold() == str(arg).casefold()
    if op == "wildcard":
        return compile_wildcard(str(arg)).fullmatch(value) is not None
    ignore_case = isinstance(arg, Mapping)
    text = str(arg["equals-ignore-case"]) if ignore_case else str(arg)
    subject = value.casefold() if ignore_case else value
    text = text.casefold() if ignore_case else text
    return subject.startswith(text) if op == "prefix" else subject.endswith(text)


def _anything_but(arg: Any, value: Any) -> bool:
    if isinstance(arg, Mapping):
        ((op, inner),) = arg.items()
        if not isinstance(value, str):
            return False
        options = inner if isinstance(inner, list) else [inner]
        return not any(_string_op(op, option, value) for option in options)
    options = arg if isinstance(arg, list) else [arg]
    return not any(_same(option, value) for option in options)


def _numeric(arg: list[Any], value: float) -> bool:
    return all(_NUMERIC_OPS[arg[i]](value, float(arg[i + 1])) for i in range(0, len(arg), 2))


def _in_cidr(value: str, block: str) -> bool:
    try:
        network = ipaddress.ip_network(block, strict=False)
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return address.version == network.version and address in network


# ---------------------------------------------------------------------------------- checking
def _check_matcher(matcher: Any, where: str) -> list[Problem]:
    if not isinstance(matcher, Mapping):
        if isinstance(matcher, list):
            return [Problem(where, "a value inside a field's list cannot be a list")]
        return []
    if len(matcher) != 1:
        return [
            Problem(
                where,
                "an operator object has exactly one operator",
                f"one of {', '.join(_OPERATORS)}",
            )
        ]
    ((op, arg),) = matcher.items()
    if op not in _OPERATORS:
        return [Problem(where, f"unknown operator {op!r}", f"one of {', '.join(_OPERATORS)}")]
    if op == "exists" and not isinstance(arg, bool):
        return [Problem(where, "exists takes true or false")]
    if op == "numeric":
        return _check_numeric(arg, where)
    if op == "cidr":
        try:
            ipaddress.ip_network(str(arg), strict=False)
        except ValueError:
            return [Problem(where, f"{arg!r} is not a CIDR block", "e.g. 10.0.0.0/24")]
        return []
    if op in ("prefix", "suffix"):
        ok = isinstance(arg, str) or (
            isinstance(arg, Mapping)
            and set(arg) == {"equals-ignore-case"}
            and isinstance(arg["equals-ignore-case"], str)
        )
        return (
            []
            if ok
            else [Problem(where, f'{op} takes a string or {{"equals-ignore-case": string}}')]
        )
    if op in ("equals-ignore-case", "wildcard"):
        return [] if isinstance(arg, str) else [Problem(where, f"{op} takes a string")]
    return _check_anything_but(arg, where)


def _check_numeric(arg: Any, where: str) -> list[Problem]:
    if not isinstance(arg, list) or len(arg) not in (2, 4):
        return [Problem(where, "numeric takes [op, number] or [op, number, op, number]")]
    for i in range(0, len(arg), 2):
        if arg[i] not in _NUMERIC_OPS or not _is_number(arg[i + 1]):
            return [
                Problem(
                    where,
                    f"numeric: {arg[i]!r} {arg[i + 1]!r} is not a comparison",
                    "operators: =, <, <=, >, >=",
                )
            ]
    return []


def _check_anything_but(arg: Any, where: str) -> list[Problem]:
    if isinstance(arg, Mapping):
        if len(arg) != 1 or next(iter(arg)) not in _STRING_OPS:
            return [
                Problem(
                    where,
                    "anything-but takes a value, a list, or one of "
                    "prefix, suffix, equals-ignore-case, wildcard",
                )
            ]
        inner = next(iter(arg.values()))
        options = inner if isinstance(inner, list) else [inner]
        if not options or not all(isinstance(o, str) for o in options):
            return [Problem(where, "anything-but's operator takes a string or a list of strings")]
        return []
    if isinstance(arg, list):
        if not arg:
            return [Problem(where, "anything-but takes a non-empty list")]
        kinds = {"number" if _is_number(o) else type(o).__name__ for o in arg}
        if len(kinds) > 1 or kinds - {"number", "str"}:
            return [Problem(where, "anything-but's list holds only strings or only numbers")]
    return []
