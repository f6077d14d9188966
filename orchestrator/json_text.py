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

__all__ = ["c_encoder", "json_encoder"]


def c_encoder(checking: json.JSONEncoder) -> Callable[[Any, int], Any] | None:
    """The C encoder of ``checking``'s settings, without its circular-reference check (a cycle
    ends in RecursionError); None on a Python built without the ``_json`` accelerator. Called
    as ``"".join(encoder(value, 0))``."""
    if c_make_encoder is None:
        return None
    strings = encode_basestring_ascii if checking.ensure_ascii else encode_basestring
    return c_make_encoder(None, checking.default, strings, None, checking.key_separator,  # type: ignore[no-any-return]
                          checking.item_separator, checking.sort_keys, checking.skipkeys, checking.allow_nan)


def json_encoder(*, separators: tuple[str, str] = (", ", ": "), sort_keys: bool = False,
                 ensure_ascii: bool = True) -> Callable[[Any], str]:
    """``JSONEncoder(separators=..., sort_keys=..., ensure_ascii=...).encode``, made once."""
    checking = json.JSONEncoder(separators=separators, sort_keys=sort_keys, ensure_ascii=ensure_ascii)
    fast = c_encoder(checking)
    if fast is None:
        return checking.encode
    join = "".join

    def encode(value: Any) -> str:
        try:
            return join(fast(value, 0))
        except RecursionError:  # a cycle, or deep nesting: the checking encoder says which
            return checking.encode(value)

    return encode
