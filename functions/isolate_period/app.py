"""Keep the points of a price series between two dates (both inclusive).

Input::

    {"series": [{"date": "2021-01-04", "close": 101.06}, ...],
     "start": "2022-01-01", "end": "2023-12-31"}     # ISO dates; a timestamp's date part is used

Output::

    {"series": [{"date": "2022-01-03", "close": 95.12}, ...], "days": 520,
     "start": "2022-01-03", "end": "2023-12-29"}     # the first and last dates kept

Raises ``PeriodError`` when a date is invalid, ``start`` is after ``end``, or no point falls in
the period.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from orchestrator.runtime import ContractModel, node

from shared.contracts import Point


class PeriodError(Exception):
    """The period is invalid or holds no point of the series."""


def _day(value: Any, name: str) -> str:
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError as exc:
        raise PeriodError(f"{name} must be a date (YYYY-MM-DD), got {value!r}") from exc


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    start, end = _day(inputs.get("start"), "start"), _day(inputs.get("end"), "end")
    if start > end:
        raise PeriodError(f"start {start} is after end {end}")
    series = [p for p in inputs.get("series") or [] if start <= str(p["date"])[:10] <= end]
    if not series:
        raise PeriodError(f"no price between {start} and {end}")
    return {"series": series, "days": len(series), "start": series[0]["date"], "end": series[-1]["date"]}


class Input(ContractModel):
    """A series and the period to keep (both days inclusive)."""

    series: list[Point] = Field(description="Daily closes.")
    start: str = Field(description="First day, ISO date.")
    end: str = Field(description="Last day, ISO date.")


class Output(ContractModel):
    """The points of the period."""

    series: list[Point]
    days: int
    start: str
    end: str


lambda_handler = node(handle, input=Input, output=Output)
