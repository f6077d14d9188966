"""Write records as one date partition of a data lake (local folder or ``s3://``).

Input::

    {"records": [{...}, ...], "root": "out/lake", "source": "orders",
     "date": "2024-05-03",            # YYYY-MM-DD, YYYYMMDD or a timestamp
     "format": "jsonl"}               # optional: "jsonl" (default) or "csv"

Output::

    {"rows": 12, "path": "<root>/source=orders/date=20240503/part-0000.jsonl", "format": "jsonl",
     "bytes": 2841}

The partition file is replaced as a whole, so re-running a day is idempotent. JSON Lines hold
one object per line; CSV has a header with every key in first-seen order. Relative roots
resolve against ``FLOWCTL_PROJECT_DIR``. Raises ``PartitionError`` for a bad date, source or
format, or when the file cannot be written.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from orchestrator.io import StorageError, join_uri, write_bytes
from orchestrator.runtime import ContractModel, node

FORMATS = ("jsonl", "csv")
PART_NAME = "part-0000"
_SAFE = re.compile(r"^[A-Za-z0-9_.-]+$")


class PartitionError(Exception):
    """The partition cannot be named (date, source, format) or written."""


def partition_date(value: Any) -> str:
    """``YYYYMMDD`` of a date given as ``YYYY-MM-DD``, ``YYYYMMDD`` or an ISO timestamp."""
    text = str(value or "").strip()
    try:
        if re.fullmatch(r"\d{8}", text):
            return datetime.strptime(text, "%Y%m%d").strftime("%Y%m%d")
        return date.fromisoformat(text[:10]).strftime("%Y%m%d")
    except ValueError as exc:
        raise PartitionError(f"date must be YYYY-MM-DD or YYYYMMDD, got {value!r}") from exc


def encode(records: list[dict[str, Any]], fmt: str) -> bytes:
    """``records`` as JSON Lines or CSV."""
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records).encode()
    columns = list(dict.fromkeys(key for r in records for key in r))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode()


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    root, source = inputs.get("root"), str(inputs.get("source") or "")
    fmt = str(inputs.get("format") or "jsonl").lower()
    if not root:
        raise PartitionError("input 'root' is required: the lake folder (local or s3://)")
    if not _SAFE.match(source):
        raise PartitionError(f"source must be a plain name (letters, digits, _ . -), got {source!r}")
    if fmt not in FORMATS:
        raise PartitionError(f"format must be one of {list(FORMATS)}, got {fmt!r}")
    records = list(inputs.get("records") or [])
    target = join_uri(str(root), f"source={source}", f"date={partition_date(inputs.get('date'))}", f"{PART_NAME}.{fmt}")
    data = encode(records, fmt)
    try:
        path = write_bytes(target, data)
    except StorageError as exc:
        raise PartitionError(f"cannot write the partition: {exc}") from exc
    return {"rows": len(records), "path": path, "format": fmt, "bytes": len(data)}


class Input(ContractModel):
    """Records of one day and where they go."""

    records: list[dict[str, Any]] = Field(default_factory=list, description="Records to write.")
    root: str = Field(description="Root of the lake (local folder or s3://).")
    source: str = Field(description="Source name (partition key).")
    date: str = Field(description="YYYY-MM-DD, YYYYMMDD or a timestamp.")
    format: Literal["jsonl", "csv"] = Field("jsonl", description="File format.")


class Output(ContractModel):
    """The partition file written."""

    rows: int
    path: str
    format: str
    bytes: int


lambda_handler = node(handle, input=Input, output=Output)
