"""A node's output must be JSON: find the first value that is not, and say where.

Example::

    >>> import datetime
    >>> non_json_value({"a": [1, {"when": datetime.date(2026, 1, 2)}]})
    ('$.a[1].when', datetime.date(2026, 1, 2))
    >>> non_json_value({"a": 1}) is None
    True
"""

from __future__ import annotations

import math
import re
from typing import Any

from orchestrator.runtime.errors import OutputNotJsonError

__all__ = ["OutputNotJsonError", "check_json_output", "is_json", "non_json_value"]

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HINTS = {
    "datetime": "return value.isoformat()",
    "date": "return value.isoformat()",
    "time": "return value.isoformat()",
    "Decimal": "return int(value) or float(value)",
    "set": "return sorted(value) or list(value)",
    "frozenset": "return sorted(value) or list(value)",
    "bytes": "return value.decode() or base64 text",
    "UUID": "return str(value)",
}


def _child(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if isinstance(key, str) and _KEY.fullmatch(key) else f"{path}[{key!r}]"


_PLAIN = frozenset({str, int, bool, type(None)})


def is_json(value: Any) -> bool:
    """Whether JSON can carry ``value`` (what :func:`non_json_value` checks, without the paths it
    builds for every value: a node's output is checked on every call, and is nearly always JSON)."""
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        if type(item) in _PLAIN:
            continue
        if isinstance(item, dict):
            for key in item:
                if type(key) is not str and not isinstance(key, str):
                    return False
            extend(item.values())
            continue
        if isinstance(item, str | int):  # (subclasses: an enum's members...)
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                return False
            continue
        if isinstance(item, list | tuple):
            extend(item)
            continue
        return False
    return True


def non_json_value(value: Any, path: str = "$") -> tuple[str, Any] | None:
    """(JSON path, value) of the first value that JSON cannot carry, or None when all can."""
    if is_json(value):
        return None
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if item is None or isinstance(item, str | bool | int):
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                return where, item
            continue
        if isinstance(item, dict):
            children = []
            for key, sub in item.items():
                if not isinstance(key, str):
                    return _child(where, key), key
                children.append((_child(where, key), sub))
            stack.extend(reversed(children))
            continue
        if isinstance(item, list | tuple):
            stack.extend(reversed([(_child(where, i), sub) for i, sub in enumerate(item)]))
            continue
        return where, item
    return None


def check_json_output(node: str, value: Any) -> None:
    """Raise :class:`OutputNotJsonError` naming the node, the key path and the fix."""
    found = non_json_value(value)  # (its first look, is_json, is all that an output that is JSON costs)
    if found is None:
        return
    where, bad = found
    kind = type(bad).__name__
    shown = repr(bad)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    hint = _HINTS.get(kind, "return only dict, list, str, int, float (finite), bool or None")
    if isinstance(bad, float):
        hint = "return None or a finite number (NaN and Infinity are not JSON)"
    raise OutputNotJsonError(
        f"node {node!r} returned a value that is not JSON at {where}: {kind} {shown}; {hint}",
    )
