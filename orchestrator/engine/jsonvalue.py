"""JSON values as AWS prints and measures them.

* :func:`to_json` — compact JSON text, as Step Functions writes values into causes and history
  (``{"a":1}``; non-ASCII kept).
* :func:`object_text` — :func:`to_json` of the objects one template builds (its keys known);
* :func:`payload_size` — the UTF-8 size AWS checks against its 256 KiB payload quota.
* :func:`type_name` — the JSON type name AWS uses in messages (``array``, ``object``, ...).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from orchestrator.json_text import c_encoder

__all__ = ["MAX_PAYLOAD_BYTES", "object_text", "payload_size", "to_json", "type_name"]

MAX_PAYLOAD_BYTES = 256 * 1024

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_encode = _ENCODER.encode
_iterencode: Any = c_encoder(_ENCODER)
"""The C encoder of :data:`_ENCODER`, made once and without its circular-reference check
(``JSONEncoder.encode`` makes one per call, most of the cost of a small value). A cycle
then ends in RecursionError, and :func:`to_json` asks the checking encoder, which says so."""


def to_json(value: Any) -> str:
    if type(value) is int:  # the commonest scalar (counters, indexes): no encoder round trip
        return int.__repr__(value)
    try:
        if _iterencode is not None:
            try:
                return "".join(_iterencode(value, 0))
            except RecursionError:  # a cycle, or deep nesting: the checking encoder tells which
                pass
        return _encode(value)
    except (TypeError, ValueError):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


@lru_cache(maxsize=1024)
def object_text(keys: tuple[str, ...]) -> Callable[[dict[str, Any]], str]:
    """:func:`to_json` of an object that has exactly ``keys``, in that order (what one compiled
    template builds): the text of the keys is made once (and the function shared by the
    templates with these keys), integers and strings are written directly and any other value
    by :func:`to_json`. Only for values the template built."""
    heads = [("," if i else "{") + encode_basestring(k) + ":" for i, k in enumerate(keys)]
    if not heads:
        return to_json
    if len(heads) == 1:
        (h1,) = heads
        (k1,) = keys

        def text(value: dict[str, Any]) -> str:
            a = value[k1]
            if type(a) is int:
                return f"{h1}{a!r}}}"
            return f"{h1}{_scalar_text(a)}}}"

    elif len(heads) == 2:  # a set node's template is mostly this small
        h1, h2 = heads
        k1, k2 = keys

        def text(value: dict[str, Any]) -> str:
            a, b = value[k1], value[k2]
            if type(a) is int and type(b) is str:
                return f"{h1}{a!r}{h2}{encode_basestring(b)}}}"
            return f"{h1}{_scalar_text(a)}{h2}{_scalar_text(b)}}}"

    else:

        def text(value: dict[str, Any]) -> str:
            return "".join([h + _scalar_text(v) for h, v in zip(heads, value.values(), strict=True)]) + "}"

    return text


def _scalar_text(value: Any) -> str:
    kind = type(value)
    if kind is int:
        return f"{value!r}"
    if kind is str:
        return encode_basestring(value)  # type: ignore[no-any-return]
    return to_json(value)


def payload_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
