"""The ASL intrinsic functions (``States.*``): :data:`FUNCTIONS` maps a name to its code.

Contract
--------
Each function takes the parsed call (``States.Format`` uses its pre-split template) and its
evaluated argument values and returns the value, or raises :class:`InvalidArguments` when the
arguments do not fit (the caller turns that into AWS's ``States.Runtime`` "Invalid arguments
in States.<Name>"). Behaviour follows real Step Functions, quirks included (see the module
docstring of :mod:`orchestrator.engine.intrinsics`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import random
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from orchestrator.engine.intrinsic_syntax import IntrinsicCall
from orchestrator.engine.java_text import JavaRandom, compact_json, java_text

__all__ = ["FUNCTIONS", "HASHES", "InvalidArguments"]

_MAX_STRING = 10_000  # Base64Encode/Base64Decode/Hash input limit (characters)
_MAX_RANGE_ITEMS = 1_000


class InvalidArguments(Exception):  # noqa: N818 - a signal, turned into a StatesError by the caller
    """The arguments do not fit the function; the caller raises AWS's ``Invalid arguments in ...``."""


def _arity(values: Sequence[Any], low: int, high: int | None = None) -> None:
    count = len(values)
    if count < low or count > (low if high is None else high):
        raise InvalidArguments


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _truncated(value: Any) -> int:
    """A number as Java's ``intValue()`` sees it: fractional part dropped."""
    if not _is_number(value):
        raise InvalidArguments
    return int(value)


def _rounded(value: Any) -> int:
    """A number as Java's ``Math.round`` sees it: half-up (``-1.5`` -> ``-1``)."""
    if not _is_number(value):
        raise InvalidArguments
    return math.floor(value + 0.5) if isinstance(value, float) else value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidArguments
    return value


def _array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidArguments
    return value


def _format(call: IntrinsicCall, values: list[Any]) -> str:
    if not values:
        raise InvalidArguments
    template, *rest = values
    if call.template is not None:
        if not call.template_ok:
            raise InvalidArguments
        pieces: Sequence[str] = call.template
    else:
        pieces = _string(template).split("{}")
    if len(pieces) - 1 != len(rest):
        raise InvalidArguments
    out = [pieces[0]]
    for piece, value in zip(pieces[1:], rest, strict=True):
        out.append(java_text(value))
        out.append(piece)
    return "".join(out)


def _string_to_json(_call: IntrinsicCall, values: list[Any]) -> Any:
    _arity(values, 1)
    text = _string(values[0]).strip()
    if not text:
        return None
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):
        raise InvalidArguments from None


def _reject_constant(_name: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400: not representable, and not JSON once parsed
        raise ValueError(f"{text} is out of range")
    return value


def _json_to_string(_call: IntrinsicCall, values: list[Any]) -> str:
    _arity(values, 1)
    try:
        return compact_json(values[0])
    except ValueError:  # NaN or infinity
        raise InvalidArguments from None


def _array_fn(_call: IntrinsicCall, values: list[Any]) -> list[Any]:
    return list(values)


def _array_partition(_call: IntrinsicCall, values: list[Any]) -> list[list[Any]]:
    _arity(values, 2)
    items = _array(values[0])
    size = _truncated(values[1])
    if size <= 0:
        raise InvalidArguments
    return [items[index : index + size] for index in range(0, len(items), size)]


def _array_contains(_call: IntrinsicCall, values: list[Any]) -> bool:
    _arity(values, 2)
    items = _array(values[0])
    wanted = java_text(values[1])
    return any(java_text(item) == wanted for item in items)


def _array_range(_call: IntrinsicCall, values: list[Any]) -> list[int]:
    _arity(values, 3)
    start, end, step = (_truncated(value) for value in values)
    if step == 0:
        raise InvalidArguments
    count = max(0, (end - start) // step + 1)
    if count > _MAX_RANGE_ITEMS:
        raise InvalidArguments
    return list(range(start, end + (1 if step > 0 else -1), step))


def _array_get_item(_call: IntrinsicCall, values: list[Any]) -> Any:
    _arity(values, 2)
    items = _array(values[0])
    index = _truncated(values[1])
    if not items and index >= 0:
        return None  # AWS returns null for an empty array rather than failing
    if not 0 <= index < len(items):
        raise InvalidArguments
    return items[index]


def _array_length(_call: IntrinsicCall, values: list[Any]) -> int:
    _arity(values, 1)
    return len(_array(values[0]))


def _array_unique(_call: IntrinsicCall, values: list[Any]) -> list[Any]:
    _arity(values, 1)
    seen: set[str] = set()
    unique: list[Any] = []
    for item in _array(values[0]):
        key = java_text(item)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _base64_encode(_call: IntrinsicCall, values: list[Any]) -> str:
    _arity(values, 1)
    text = _string(values[0])
    if len(text) > _MAX_STRING:
        raise InvalidArguments
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


_B64_ALPHABET = re.compile(r"[^A-Za-z0-9+/\-_=]")


def _base64_decode(_call: IntrinsicCall, values: list[Any]) -> str:
    """Lenient like AWS: characters outside the alphabet are skipped, padding optional."""
    _arity(values, 1)
    text = _string(values[0])
    if len(text) > _MAX_STRING:
        raise InvalidArguments
    cleaned = _B64_ALPHABET.sub("", text).replace("-", "+").replace("_", "/")
    cleaned = cleaned.split("=", 1)[0]
    if len(cleaned) % 4 == 1:  # a lone trailing sextet carries no whole byte
        cleaned = cleaned[:-1]
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except binascii.Error:
        raise InvalidArguments from None
    return raw.decode("utf-8", errors="replace")


HASHES = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def _hash(_call: IntrinsicCall, values: list[Any]) -> str:
    _arity(values, 2)
    data, algorithm = values
    if not isinstance(algorithm, str) or algorithm not in HASHES:
        raise InvalidArguments
    text = java_text(data)
    if len(text) > _MAX_STRING:
        raise InvalidArguments
    return hashlib.new(HASHES[algorithm], text.encode("utf-8")).hexdigest()


def _json_merge(_call: IntrinsicCall, values: list[Any]) -> dict[str, Any]:
    _arity(values, 3)
    left, right, deep = values
    if not isinstance(left, dict) or not isinstance(right, dict) or not isinstance(deep, bool):
        raise InvalidArguments
    if deep:
        raise InvalidArguments  # AWS supports only the shallow mode
    return {**left, **right}


def _math_random(_call: IntrinsicCall, values: list[Any]) -> int:
    _arity(values, 2, 3)
    start, end = _truncated(values[0]), _truncated(values[1])
    if start >= end:
        raise InvalidArguments
    if len(values) == 3:
        seed = _truncated(values[2])
        return start + JavaRandom(seed).next_int(end - start)
    return random.randrange(start, end)  # noqa: S311 - not for security, same as AWS


def _math_add(_call: IntrinsicCall, values: list[Any]) -> int:
    _arity(values, 2)
    return _rounded(values[0]) + _rounded(values[1])


def _string_split(_call: IntrinsicCall, values: list[Any]) -> list[str]:
    """Java ``StringTokenizer``: every delimiter character splits; empty tokens are dropped."""
    _arity(values, 2)
    text, delimiters = _string(values[0]), _string(values[1])
    if not delimiters:
        return [text] if text else []
    pattern = "[" + re.escape(delimiters) + "]"
    return [token for token in re.split(pattern, text) if token]


def _uuid(_call: IntrinsicCall, values: list[Any]) -> str:
    _arity(values, 0)
    return str(uuid.uuid4())


FUNCTIONS: dict[str, Callable[[IntrinsicCall, list[Any]], Any]] = {
    "States.Format": _format,
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _json_to_string,
    "States.Array": _array_fn,
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": _array_contains,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": _array_length,
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": _base64_encode,
    "States.Base64Decode": _base64_decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": _math_random,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
    "States.UUID": _uuid,
}
