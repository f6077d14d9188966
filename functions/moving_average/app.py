"""Simple moving average of a price series' closes, aligned with the series.

Input::

    {"series": [{"date": "2022-01-03", "close": 95.12}, ...], "window": 20}

Output::

    {"window": 20, "values": [null, ..., null, 96.4185, ...]}   # one value per point

``values[i]`` is the mean of the ``window`` closes ending at point ``i``; the first
``window - 1`` values are ``null``. Raises ``WindowError`` when ``window`` is not a positive
integer.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from orchestrator.runtime import ContractModel, node

from shared.contracts import Point


class WindowError(Exception):
    """The window is not a positive integer."""


def simple_moving_average(closes: list[float], window: int) -> list[float | None]:
    """The SMA of ``closes`` (``None`` until ``window`` points are available)."""
    values: list[float | None] = [None] * min(window - 1, len(closes))
    for end in range(window, len(closes) + 1):
        values.append(math.fsum(closes[end - window : end]) / window)
    return values


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    window = inputs.get("window")
    if isinstance(window, bool) or not isinstance(window, int | float) or window != int(window) or window < 1:
        raise WindowError(f"window must be a positive integer, got {window!r}")
    closes = [float(p["close"]) for p in inputs.get("series") or []]
    return {"window": int(window), "values": simple_moving_average(closes, int(window))}


class Input(ContractModel):
    """A series and the window."""

    series: list[Point] = Field(description="Daily closes.")
    window: int = Field(gt=0, description="Number of closes averaged.")


class Output(ContractModel):
    """One value per point (null before the window is full)."""

    window: int
    values: list[float | None]


lambda_handler = node(handle, input=Input, output=Output)
