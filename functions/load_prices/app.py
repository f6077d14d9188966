"""Load a daily price series from a CSV file (local path or ``s3://``).

Input::

    {"path": "data/prices/daily.csv",
     "date_column": "date", "close_column": "close"}      # optional column names

Output::

    {"series": [{"date": "2021-01-04", "close": 101.06}, ...],   # sorted by date
     "count": 780, "first": "2021-01-04", "last": "2023-12-29"}

Raises ``PriceDataError`` when the file cannot be read, a column is missing, a date or a close
is invalid, or a date appears twice.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import date
from typing import Any

from pydantic import Field

from orchestrator.runtime import ContractModel, node
from orchestrator.runtime.inputs import read_text_or_raise, require_input

from shared.contracts import Point


class PriceDataError(Exception):
    """The price file is missing, or one of its rows is not a valid (date, close)."""


def parse_prices(text: str, date_column: str = "date", close_column: str = "close") -> list[dict[str, Any]]:
    """The (date, close) points of a CSV text, sorted by date."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in (date_column, close_column) if c not in (reader.fieldnames or [])]
    if missing:
        raise PriceDataError(f"missing column(s) {missing}; the header is {reader.fieldnames}")
    points: dict[str, float] = {}
    for line, row in enumerate(reader, start=2):
        raw_date, raw_close = (row.get(date_column) or "").strip(), (row.get(close_column) or "").strip()
        if not raw_date and not raw_close:
            continue
        try:
            day = date.fromisoformat(raw_date).isoformat()
            close = float(raw_close)
        except ValueError as exc:
            raise PriceDataError(f"line {line}: invalid date or close ({raw_date!r}, {raw_close!r})") from exc
        if not math.isfinite(close) or close <= 0:
            raise PriceDataError(f"line {line}: close must be a positive number, got {raw_close!r}")
        if day in points:
            raise PriceDataError(f"line {line}: date {day} appears twice")
        points[day] = close
    return [{"date": day, "close": points[day]} for day in sorted(points)]


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    path = require_input(inputs, "path", PriceDataError, "the CSV file of daily prices")
    text = read_text_or_raise(path, PriceDataError, "cannot read prices")
    series = parse_prices(text, inputs.get("date_column") or "date", inputs.get("close_column") or "close")
    return {
        "series": series,
        "count": len(series),
        "first": series[0]["date"] if series else None,
        "last": series[-1]["date"] if series else None,
    }


class Input(ContractModel):
    """The price file."""

    path: str = Field(description="CSV file (local or s3://).")
    date_column: str = Field("date", description="Column of the dates.")
    close_column: str = Field("close", description="Column of the closes.")


class Output(ContractModel):
    """The series, sorted by date."""

    series: list[Point]
    count: int
    first: str
    last: str


lambda_handler = node(handle, input=Input, output=Output)
