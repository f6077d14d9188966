"""Read a CSV file (local path or ``s3://``) into a list of rows.

Input::

    {"path": "data/reconciliation/ledger.csv", "source": "ledger",
     "delimiter": ","}                      # optional, default ","

Output::

    {"source": "ledger", "path": "<resolved path>", "columns": ["id", "date", ...],
     "rows": [{"id": "GL-0001", "date": "2024-01-02", "reference": "INV-24-00442", ...}],
     "count": 990}

Every value is text with surrounding blanks removed; an empty cell becomes ``null``. Relative
paths resolve against ``FLOWCTL_PROJECT_DIR`` (else the current directory). Raises
``CsvFileError`` when the file is missing, unreadable or has no header row.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import Field

from orchestrator.io import resolve
from orchestrator.runtime import ContractModel, node
from orchestrator.runtime.inputs import read_text_or_raise, require_input


class CsvFileError(Exception):
    """The CSV file cannot be read, or it has no header row."""


def parse_csv(text: str, delimiter: str = ",") -> tuple[list[str], list[dict[str, str | None]]]:
    """The header and the rows of ``text``; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip() for name in next(reader, [])]
    if not any(header):
        raise CsvFileError("the file has no header row")
    rows: list[dict[str, str | None]] = []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        cells = [cell.strip() or None for cell in record]
        cells += [None] * (len(header) - len(cells))
        rows.append(dict(zip(header, cells, strict=False)))
    return header, rows


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    path = require_input(inputs, "path", CsvFileError, "the CSV file to read")
    text = read_text_or_raise(path, CsvFileError, f"cannot read CSV {path}")
    try:
        columns, rows = parse_csv(text, inputs.get("delimiter") or ",")
    except CsvFileError as exc:
        raise CsvFileError(f"{path}: {exc}") from exc
    return {
        "source": inputs.get("source") or "",
        "path": resolve(path),
        "columns": columns,
        "rows": rows,
        "count": len(rows),
    }


class Input(ContractModel):
    """The CSV file to read."""

    path: str = Field(description="Local path or s3:// URI.")
    source: str | None = Field(None, description="A label copied to the output (e.g. bank, ledger).")
    delimiter: str = Field(",", description="Column separator.")


class Output(ContractModel):
    """The rows of the file."""

    source: str | None
    path: str
    columns: list[str]
    rows: list[dict[str, str | None]]
    count: int


lambda_handler = node(handle, input=Input, output=Output)
