"""Strict JSON: the one way flowctl reads JSON (and checks values) that come from users.

Contract
--------
* :func:`loads` parses JSON text like :func:`json.loads` but rejects, with a JSON pointer, what
  RFC 8259 or AWS cannot carry: ``NaN``/``Infinity`` (also numbers that overflow to infinity,
  like ``1e400``), strings with lone surrogates (``"\\ud800"``: not writable as UTF-8),
  duplicate object keys (JSON parsers disagree on which one wins), integers of more than
  :data:`~orchestrator.limits.MAX_INT_DIGITS` digits and nesting deeper than
  :data:`~orchestrator.limits.MAX_JSON_DEPTH`.
* :func:`check_value` applies the same rules to a value already in memory (a dict built by
  code, a YAML document) and also rejects what is not JSON at all (sets, bytes, objects).
* Both raise :class:`StrictJsonError` (a :class:`~orchestrator.errors.FlowctlError` and a
  ``ValueError``) whose ``where`` is the JSON pointer of the offending value.

Example::

    >>> loads('{"a": [1, 2]}')
    {'a': [1, 2]}
    >>> loads('{"a": NaN}')
    Traceback (most recent call last):
    ...
    orchestrator.strict_json.StrictJsonError: /a: NaN is not JSON (use null or a string)
"""

from __future__ import annotations

import json
import math
from typing import Any

from orchestrator.errors import StrictJsonError
from orchestrator.limits import MAX_INT_DIGITS, MAX_JSON_DEPTH

__all__ = ["StrictJsonError", "check_value", "loads", "pointer"]

_INT_LIMIT = 10**MAX_INT_DIGITS


def pointer(path: list[Any] | tuple[Any, ...]) -> str:
    """JSON pointer (RFC 6901) of a path of keys and indexes."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""


class _Constant(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _Constant(name)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Constant(text)
    return value


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Constant(f"an integer of {len(text.lstrip('-'))} digits")
    return int(text)


def loads(text: str | bytes, *, where: str = "", max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON text strictly (see the module docstring); ``where`` prefixes error pointers."""
    duplicates: dict[int, tuple[dict[str, Any], str]] = {}

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in items:
            if key in obj and id(obj) not in duplicates:
                duplicates[id(obj)] = (obj, key)
            obj[key] = value
        return obj

    try:
        value = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=_reject_constant,
            parse_float=_parse_float,
            parse_int=_parse_int,
        )
    except _Constant as exc:
        raise StrictJsonError(f"{exc} is not a JSON number AWS accepts", where=where, hint="use null, a string or a finite number") from None
    except RecursionError:
        raise StrictJsonError(f"nested too deeply (the limit is {max_depth} levels)", where=where) from None
    except json.JSONDecodeError as exc:
        at = f"line {exc.lineno}, column {exc.colno}"
        raise StrictJsonError(f"invalid JSON: {exc.msg}", where=f"{where} {at}" if where else at, hint="fix the JSON syntax") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise StrictJsonError(f"invalid JSON: {exc}", where=where, hint="fix the JSON syntax") from None
    if duplicates:
        targets = {key: dup for key, (_, dup) in duplicates.items()}
        found = _find(value, targets, [])
        if found is not None:
            path, key = found
            raise StrictJsonError(f"duplicate key {key!r}", where=where + pointer(path), hint="keep one of the keys (JSON parsers disagree on which one wins)")
    check_value(value, where=where, max_depth=max_depth)
    return value


def _find(value: Any, targets: dict[int, str], path: list[Any]) -> tuple[list[Any], str] | None:
    if len(path) > 2 * MAX_JSON_DEPTH:
        return None
    if isinstance(value, dict):
        if id(value) in targets:
            return path + [targets[id(value)]], targets[id(value)]
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _find(item, targets, path + [key])
        if found is not None:
            return found
    return None


def check_value(value: Any, *, where: str = "", max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise :class:`StrictJsonError` unless ``value`` is strict JSON (see the module docstring)."""
    # Iterative, so that a value nested far deeper than Python's recursion limit is reported too.
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if len(path) > max_depth:
            raise StrictJsonError(f"nested too deeply (the limit is {max_depth} levels)", where=where + pointer(path[:max_depth]))
        kind = type(item)
        if item is None or kind is bool:
            continue
        if kind is str or isinstance(item, str):
            _check_text(item, where, path)
        elif kind is int or isinstance(item, int):
            if not -_INT_LIMIT < item < _INT_LIMIT:
                raise StrictJsonError(f"an integer of more than {MAX_INT_DIGITS} digits is not accepted", where=where + pointer(path), hint="pass it as a string")
        elif kind is float or isinstance(item, float):
            if not math.isfinite(item):
                raise StrictJsonError(f"{_number_name(item)} is not JSON", where=where + pointer(path), hint="use null, a string or a finite number")
        elif isinstance(item, dict):
            for key, sub in item.items():
                if not isinstance(key, str):
                    raise StrictJsonError(f"object key {key!r} is not a string", where=where + pointer(path))
                _check_text(key, where, path + (key,))
                stack.append((sub, path + (key,)))
        elif isinstance(item, list | tuple):
            stack.extend((sub, path + (index,)) for index, sub in enumerate(item))
        else:
            hint = "quote it to make it a string" if hasattr(item, "isoformat") else ""
            raise StrictJsonError(f"a {type(item).__name__} is not a JSON value", where=where + pointer(path), hint=hint)


def _number_name(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _check_text(text: str, where: str, path: tuple[Any, ...]) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise StrictJsonError(
            f"the string has a lone surrogate ({text[exc.start]!r}) that UTF-8 cannot carry",
            where=where + pointer(path),
            hint="remove it or pair it with its other half",
        ) from None
