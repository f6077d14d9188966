"""The items of an object as Distributed Map's ``ItemReader`` reads them: JSON, JSON Lines, CSV.

Shared by the local engine (which runs the ``ItemReader``) and the node runtime (which counts
the items of a foreach that reads them, for its ``total`` progress counter: in the cloud, Step
Functions does not tell the items how many there are).

Contract
--------
* :func:`item_source` names the object: ``s3://bucket/key``, or — when ``bucket`` is empty or an
  unsubstituted ``${Placeholder}`` — the project file ``key`` (relative to
  ``FLOWCTL_PROJECT_DIR``), the local stand-in for the bucket ``DefinitionSubstitutions`` names.
* :func:`read_source` returns its bytes (:class:`~orchestrator.io.StorageError` when it cannot).
* :func:`parse_items` parses text per ``ReaderConfig``: ``InputType`` ``JSON`` (an array),
  ``JSONL`` (a JSON value per non-empty line) or ``CSV`` (rows as objects of strings; header
  from the first row, or ``CSVHeaders`` with ``CSVHeaderLocation: GIVEN``); ``MaxItems`` limits
  the items. Raises ``ValueError`` (or ``csv.Error``) when the text is not of that type.
* :func:`count_items` = ``len`` of what the two give.

Example::

    >>> parse_items("id,total\\n1,9.5\\n2,3\\n", "CSV", {"CSVHeaderLocation": "FIRST_ROW"})
    [{'id': '1', 'total': '9.5'}, {'id': '2', 'total': '3'}]
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from typing import Any

__all__ = ["count_items", "item_source", "parse_items", "read_source"]

_DELIMITERS = {"TAB": "\t", "SEMICOLON": ";", "PIPE": "|", "SPACE": " "}


def _project_file(bucket: str) -> bool:
    return not bucket or bucket.startswith("${")


def item_source(bucket: str, key: str) -> str:
    """Where the items are: ``s3://bucket/key``, or the project file ``key`` resolved."""
    if _project_file(bucket):
        from orchestrator.io.storage import resolve

        return resolve(key)
    return f"s3://{bucket}/{key}"


def read_source(bucket: str, key: str) -> bytes:
    """The bytes of the object :func:`item_source` names."""
    if _project_file(bucket):
        from orchestrator.io.storage import read_bytes

        return read_bytes(key)
    from orchestrator.io.s3 import get_object

    return get_object(bucket, key)


def parse_items(text: str, kind: str, config: dict[str, Any]) -> list[Any]:
    """The items of ``text`` read as ``kind`` (``JSON``/``JSONL``/``CSV``), at most ``MaxItems``."""
    return list(_limited(text, kind, config))


def count_items(bucket: str, key: str, config: dict[str, Any]) -> int:
    """How many items the ``ItemReader`` of ``bucket``/``key`` with ``config`` reads (one item
    is held at a time: the rows of a large CSV are counted, not kept)."""
    text = read_source(bucket, key).decode("utf-8-sig")
    return sum(1 for _ in _limited(text, str(config.get("InputType", "JSON")), config))


def _limited(text: str, kind: str, config: dict[str, Any]) -> Iterator[Any]:
    limit = config.get("MaxItems")
    items = _items(text, kind, config)
    return itertools.islice(items, int(limit)) if isinstance(limit, int) and limit > 0 else items


def _items(text: str, kind: str, config: dict[str, Any]) -> Iterator[Any]:
    if kind == "JSON":
        value = json.loads(text)
        if not isinstance(value, list):
            raise ValueError("the object must hold a JSON array")
        return iter(value)
    if kind == "JSONL":
        return (json.loads(line) for line in text.splitlines() if line.strip())
    delimiter = _DELIMITERS.get(str(config.get("CSVDelimiter")), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    if config.get("CSVHeaderLocation") == "GIVEN":
        header = [str(h) for h in config.get("CSVHeaders") or []]
    else:
        header = next(reader, [])
    return ({name: row[i] if i < len(row) else "" for i, name in enumerate(header)} for row in reader if row)
