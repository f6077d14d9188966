"""Back-test crossover signals against buy-and-hold over the same series.

Input::

    {"series": [{"date": "2022-01-03", "close": 95.12}, ...],
     "signals": [{"date": "2022-04-11", "type": "buy", "price": 101.3}, ...],
     "capital": 10000}                    # optional, default 10,000

Output::

    {"initial_capital": 10000, "final_equity": 10873.55, "strategy_return_pct": 8.74,
     "buy_and_hold_equity": 8031.2, "buy_and_hold_return_pct": -19.69,
     "excess_return_pct": 28.43, "trades": 4, "orders": 9, "open_position": true,
     "start": "2022-01-03", "end": "2023-12-29"}

The strategy starts in cash; a ``buy`` invests all cash at the signal's price (fractional
units), a ``sell`` turns the holding back into cash; a buy while invested or a sell while in
cash is ignored. An open position is valued at the last close. ``orders`` counts executed buys
and sells, ``trades`` completed buy-then-sell round trips. Buy-and-hold invests everything at
the first close. Money is rounded to cents, returns to 0.01 %. Raises ``BacktestError`` for an
empty series or a non-positive capital.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from orchestrator.runtime import ContractModel, node

from shared.contracts import Point, Signal


class BacktestError(Exception):
    """The series is empty or the capital is not positive."""


def run(series: list[dict[str, Any]], signals: list[dict[str, Any]], capital: float) -> dict[str, Any]:
    """The back-test of the module contract."""
    cash, units, orders, trades = capital, 0.0, 0, 0
    for signal in sorted(signals, key=lambda s: s["date"]):
        price = float(signal["price"])
        if signal["type"] == "buy" and units == 0:
            units, cash = cash / price, 0.0
            orders += 1
        elif signal["type"] == "sell" and units > 0:
            cash, units = units * price, 0.0
            orders += 1
            trades += 1
    first, last = float(series[0]["close"]), float(series[-1]["close"])
    equity = cash + units * last
    hold = capital / first * last

    def pct(value: float) -> float:
        return round(100 * (value / capital - 1), 2)

    return {
        "initial_capital": capital,
        "final_equity": round(equity, 2),
        "strategy_return_pct": pct(equity),
        "buy_and_hold_equity": round(hold, 2),
        "buy_and_hold_return_pct": pct(hold),
        "excess_return_pct": round(pct(equity) - pct(hold), 2),
        "trades": trades,
        "orders": orders,
        "open_position": units > 0,
        "start": series[0]["date"],
        "end": series[-1]["date"],
    }


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    series = list(inputs.get("series") or [])
    if not series:
        raise BacktestError("the series is empty: nothing to back-test")
    capital = inputs.get("capital")
    capital = 10_000 if capital is None else capital
    if not isinstance(capital, int | float) or capital <= 0:
        raise BacktestError(f"capital must be a positive number, got {capital!r}")
    return run(series, list(inputs.get("signals") or []), capital)


class Input(ContractModel):
    """A series, its signals and the starting capital."""

    series: list[Point] = Field(description="Daily closes, sorted by date.")
    signals: list[Signal] = Field(description="crossover_signals' signals.")
    capital: float = Field(10000, description="Starting cash.")


class Output(ContractModel):
    """Strategy against buy-and-hold."""

    initial_capital: float
    final_equity: float
    strategy_return_pct: float
    buy_and_hold_equity: float
    buy_and_hold_return_pct: float
    excess_return_pct: float
    trades: int
    orders: int
    open_position: bool
    start: str
    end: str


lambda_handler = node(handle, input=Input, output=Output)
