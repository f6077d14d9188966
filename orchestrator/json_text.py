"""JSON encoders made once, for text written many times a second (run-store items).

``json.dumps`` and ``JSONEncoder.encode`` build a new C encoder, and a dict to detect cycles,
on every call: for a small value that is most of the cost. :func:`json_encoder` builds the C
encoder once, without the cycle check; a value it cannot encode that way (a cycle, or nesting
deep enough to exhaust the stack) goes to the checking ``JSONEncoder``, which raises as
``json.dumps`` would. The text is the same as ``JSONEncoder(**options).encode(value)``.

Example::

    >>> encode = json_encoder(separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    >>> encode({"b": 1, "a": "é"})
    '{"a":"é","b":1}'
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring,
    encode_basestring_ascii,
)
from typing import Any

__all__ = ["json_encoder"]


def json_encoder(*, separators: tuple[str, str] = (", ", ": "), sort_keys: bool = False,
                 ensure_ascii: bool = True) -> Callable[[Any], str]:
    """``JSONEncoder(separators=..., sort_keys=..., ensure_ascii=...).encode``, made once."""
    checking = json.JSONEncoder(separators=separators, sort_keys=sort_keys, ensure_ascii=ensure_ascii)
    if c_make_encoder is None:  # a Python built without the _json accelerator
        return checking.encode
    item_separator, key_separator = separators
    fast = c_make_encoder(None, checking.default, encode_basestring_ascii if ensure_ascii else encode_basestring,
                          None, key_separator, item_separator, sort_keys, False, True)
    join = "".join

    def encode(value: Any) -> str:
        try:
            return join(fast(value, 0))
        except RecursionError:  # a cycle, or deep nesting: the checking encoder says which
            return checking.encode(value)

    return encode
