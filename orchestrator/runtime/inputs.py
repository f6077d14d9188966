"""Inputs of a node function: a required value, and the text of the file an input names.

Each helper takes the error class of the calling function, so the flow sees that function's
own error name (what ``retry`` and ``catch`` match on) and a message that says what to fix.

Example::

    >>> require_input({"path": "data/x.csv"}, "path", ValueError, "the CSV file to read")
    'data/x.csv'
    >>> require_input({}, "path", ValueError, "the CSV file to read")
    Traceback (most recent call last):
    ...
    ValueError: input 'path' is required: the CSV file to read
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestrator.io import StorageError, read_text

__all__ = ["read_text_or_raise", "require_input"]


def require_input(inputs: Mapping[str, Any], key: str, error: type[Exception], purpose: str) -> Any:
    """``inputs[key]``; ``error("input '<key>' is required: <purpose>")`` when it is missing or empty."""
    value = inputs.get(key)
    if not value:
        raise error(f"input '{key}' is required: {purpose}")
    return value


def read_text_or_raise(uri: Any, error: type[Exception], failure: str) -> str:
    """The text of ``uri`` (local path or ``s3://``); ``error("<failure>: <why>")`` when it
    cannot be read (missing, unreadable, not UTF-8)."""
    try:
        return read_text(uri)
    except StorageError as exc:
        raise error(f"{failure}: {exc}") from exc
