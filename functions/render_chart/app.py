"""Chart a price series with its two moving averages and the buy/sell signals, as a PNG.

Input::

    {"series": [{"date": "2022-01-03", "close": 95.12}, ...],
     "short": {"window": 20, "values": [...]},     # moving_average outputs (or bare value lists)
     "long":  {"window": 50, "values": [...]},
     "signals": [{"date": "2022-04-11", "type": "buy", "price": 101.3}, ...],
     "path": "out/ma-crossover.png",              # local path or s3://bucket/key
     "title": "..."}                              # optional

Output::

    {"path": "<resolved path>", "width": 1200, "height": 600, "bytes": 81234}

Rendering uses matplotlib's Agg canvas directly (no display, no global pyplot state). Raises
``ChartError`` when the inputs are not aligned or the file cannot be written.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pydantic import Field

from orchestrator.io import StorageError, write_bytes
from orchestrator.runtime import ContractModel, node

from shared.contracts import Point, Signal

SIZE_INCHES, DPI = (12, 6), 100


class ChartError(Exception):
    """The chart inputs are inconsistent, or the PNG cannot be written."""


def _average(value: Any, name: str, length: int) -> tuple[str, list[float | None]]:
    if isinstance(value, dict):
        label, values = f"SMA {value.get('window')}", value.get("values")
    else:
        label, values = name, value
    if not isinstance(values, list) or len(values) != length:
        raise ChartError(f"{name} must hold one moving-average value per point ({length})")
    return label, values


def render_png(series: list[dict[str, Any]], short: Any, long: Any, signals: list[dict[str, Any]], title: str) -> bytes:
    """The chart as PNG bytes."""
    days = [date.fromisoformat(str(p["date"])[:10]) for p in series]
    fig = Figure(figsize=SIZE_INCHES, dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(days, [p["close"] for p in series], color="#555555", linewidth=1, label="Close")
    for (label, values), color in ((_average(short, "short", len(series)), "#1f77b4"), (_average(long, "long", len(series)), "#ff7f0e")):
        ax.plot(days, [float("nan") if v is None else v for v in values], color=color, linewidth=1.5, label=label)
    for kind, marker, color in (("buy", "^", "#2ca02c"), ("sell", "v", "#d62728")):
        points = [s for s in signals if s["type"] == kind]
        ax.scatter([date.fromisoformat(str(s["date"])[:10]) for s in points], [s["price"] for s in points],
                   marker=marker, color=color, s=80, zorder=3, label=f"{kind.title()} ({len(points)})")
    ax.set_title(title)
    ax.set_ylabel("Close")
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    fig.autofmt_xdate()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    series = list(inputs.get("series") or [])
    path = inputs.get("path")
    if not path:
        raise ChartError("input 'path' is required: where to write the PNG")
    if not series:
        raise ChartError("the series is empty: nothing to chart")
    title = inputs.get("title") or f"Moving-average crossover {series[0]['date']} to {series[-1]['date']}"
    png = render_png(series, inputs.get("short"), inputs.get("long"), list(inputs.get("signals") or []), title)
    try:
        where = write_bytes(path, png, content_type="image/png")
    except StorageError as exc:
        raise ChartError(f"cannot write the chart: {exc}") from exc
    width, height = (int(v * DPI) for v in SIZE_INCHES)
    return {"path": where, "width": width, "height": height, "bytes": len(png)}


class Input(ContractModel):
    """A series, its averages and signals, and where to write the PNG."""

    series: list[Point] = Field(description="Daily closes.")
    short: dict[str, Any] | list[float | None] = Field(description="moving_average's output (or its values).")
    long: dict[str, Any] | list[float | None] = Field(description="moving_average's output (or its values).")
    signals: list[Signal] = Field(default_factory=list, description="crossover_signals' signals.")
    path: str = Field(description="Local path or s3://bucket/key.")
    title: str | None = Field(None, description="Chart title.")


class Output(ContractModel):
    """The PNG written."""

    path: str
    width: int
    height: int
    bytes: int


lambda_handler = node(handle, input=Input, output=Output)
