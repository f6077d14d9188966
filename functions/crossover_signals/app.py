"""Buy and sell signals where a short moving average crosses a long one.

Input::

    {"series": [{"date": "2022-01-03", "close": 95.12}, ...],
     "short": [null, ..., 96.41, ...],      # moving_average values (or its whole output)
     "long":  [null, ..., 97.02, ...]}

Output::

    {"signals": [{"date": "2022-04-11", "type": "buy", "price": 101.3}, ...], "count": 9}

A ``buy`` is the first point where short is above long after having been below it; a ``sell``
the first point where it is below after having been above. Points where either average is
``null``, or where both are equal, do not change the side, and the first side seen produces no
signal. ``price`` is that point's close. Raises ``SignalInputError`` when the lengths differ.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from orchestrator.runtime import ContractModel, node

from shared.contracts import Point, Signal


class SignalInputError(Exception):
    """The averages are not aligned with the series."""


def _values(value: Any, name: str) -> list[float | None]:
    if isinstance(value, dict):
        value = value.get("values")
    if not isinstance(value, list):
        raise SignalInputError(f"{name} must be a list of moving-average values, got {type(value).__name__}")
    return value


def crossovers(series: list[dict[str, Any]], short: list[float | None], long: list[float | None]) -> list[dict[str, Any]]:
    """The signals of the module contract."""
    signals: list[dict[str, Any]] = []
    side = 0
    for point, s, lg in zip(series, short, long, strict=True):
        if s is None or lg is None or s == lg:
            continue
        now = 1 if s > lg else -1
        if side and now != side:
            signals.append({"date": point["date"], "type": "buy" if now > 0 else "sell", "price": point["close"]})
        side = now
    return signals


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    series = list(inputs.get("series") or [])
    short, long = _values(inputs.get("short"), "short"), _values(inputs.get("long"), "long")
    if not len(series) == len(short) == len(long):
        raise SignalInputError(f"series, short and long must have the same length, got {len(series)}, {len(short)}, {len(long)}")
    signals = crossovers(series, short, long)
    return {"signals": signals, "count": len(signals)}


class Input(ContractModel):
    """A series and its two moving averages (aligned with it)."""

    series: list[Point] = Field(description="Daily closes.")
    short: list[float | None] | dict[str, Any] = Field(description="Short moving average (values or moving_average's output).")
    long: list[float | None] | dict[str, Any] = Field(description="Long moving average (values or moving_average's output).")


class Output(ContractModel):
    """The buy and sell signals."""

    signals: list[Signal]
    count: int


lambda_handler = node(handle, input=Input, output=Output)
