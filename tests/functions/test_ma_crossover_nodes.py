"""ma-crossover nodes: load_prices, isolate_period, moving_average, crossover_signals,
backtest, render_chart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from PIL import Image

AppLoader = Callable[[str], ModuleType]


def series(*closes: float, start_day: int = 1) -> list[dict[str, Any]]:
    return [{"date": f"2024-03-{start_day + i:02d}", "close": c} for i, c in enumerate(closes)]


# -- load_prices --------------------------------------------------------------------------------
def test_load_prices_returns_a_sorted_series(app: AppLoader, project_dir: Path) -> None:
    # GIVEN an unsorted CSV with a blank line
    (project_dir / "p.csv").write_text("date,close\n2024-01-03,11.5\n\n2024-01-02,10\n")
    # WHEN loaded
    out = app("load_prices").handle({"path": "p.csv"})
    # THEN points are sorted by date, closes are numbers
    assert out == {"series": [{"date": "2024-01-02", "close": 10.0}, {"date": "2024-01-03", "close": 11.5}],
                   "count": 2, "first": "2024-01-02", "last": "2024-01-03"}


def test_load_prices_reads_the_shipped_series(app: AppLoader, repo_dir: Path) -> None:
    out = app("load_prices").handle({"path": "data/prices/daily.csv"})
    assert out["count"] == 780 and out["first"] == "2021-01-04" and out["last"] == "2023-12-29"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("day,price\n2024-01-02,1\n", "missing column"),
        ("date,close\n2024-13-02,1\n", "line 2"),
        ("date,close\n2024-01-02,-1\n", "positive"),
        ("date,close\n2024-01-02,1\n2024-01-02,2\n", "twice"),
    ],
)
def test_load_prices_rejects_bad_files(app: AppLoader, project_dir: Path, text: str, message: str) -> None:
    module = app("load_prices")
    (project_dir / "bad.csv").write_text(text)
    with pytest.raises(module.PriceDataError, match=message):
        module.handle({"path": "bad.csv"})


def test_load_prices_custom_columns_from_s3(app: AppLoader, bucket: str) -> None:
    boto3.client("s3").put_object(Bucket=bucket, Key="px.csv", Body=b"Day,Adj Close\n2024-01-02,3.25\n")
    out = app("load_prices").handle({"path": f"s3://{bucket}/px.csv", "date_column": "Day", "close_column": "Adj Close"})
    assert out["series"] == [{"date": "2024-01-02", "close": 3.25}]


# -- isolate_period -----------------------------------------------------------------------------
def test_isolate_period_keeps_both_ends(app: AppLoader) -> None:
    out = app("isolate_period").handle({"series": series(1, 2, 3, 4, 5), "start": "2024-03-02", "end": "2024-03-04T23:59:00Z"})
    assert [p["close"] for p in out["series"]] == [2, 3, 4]
    assert out["days"] == 3 and out["start"] == "2024-03-02" and out["end"] == "2024-03-04"


@pytest.mark.parametrize(("start", "end", "message"), [("2024-03-05", "2024-03-01", "after"),
                                                       ("2025-01-01", "2025-02-01", "no price"),
                                                       ("March", "2024-03-01", "start must be a date")])
def test_isolate_period_rejects_bad_periods(app: AppLoader, start: str, end: str, message: str) -> None:
    module = app("isolate_period")
    with pytest.raises(module.PeriodError, match=message):
        module.handle({"series": series(1, 2, 3), "start": start, "end": end})


# -- moving_average -----------------------------------------------------------------------------
def test_moving_average_is_aligned_with_leading_nulls(app: AppLoader) -> None:
    out = app("moving_average").handle({"series": series(1, 2, 3, 4, 5), "window": 3})
    assert out == {"window": 3, "values": [None, None, 2.0, 3.0, 4.0]}


def test_moving_average_window_longer_than_series_is_all_null(app: AppLoader) -> None:
    assert app("moving_average").handle({"series": series(1, 2), "window": 5})["values"] == [None, None]


@pytest.mark.parametrize("window", [0, -3, 2.5, "20", True, None])
def test_moving_average_needs_a_positive_integer_window(app: AppLoader, window: Any) -> None:
    module = app("moving_average")
    with pytest.raises(module.WindowError):
        module.handle({"series": series(1, 2, 3), "window": window})


# -- crossover_signals --------------------------------------------------------------------------
def test_crossover_signals_buy_on_cross_above_and_sell_on_cross_below(app: AppLoader) -> None:
    # GIVEN short below, equal (no change), above, above, below long
    s = series(10, 11, 12, 13, 14, 15)
    short = [None, 1.0, 2.0, 4.0, 5.0, 1.0]
    long = [None, 2.0, 2.0, 3.0, 3.0, 3.0]
    # WHEN signals are derived
    out = app("crossover_signals").handle({"series": s, "short": short, "long": {"window": 5, "values": long}})
    # THEN one buy where short first goes above, one sell where it goes below
    assert out == {"signals": [{"date": "2024-03-04", "type": "buy", "price": 13},
                               {"date": "2024-03-06", "type": "sell", "price": 15}], "count": 2}


def test_crossover_signals_do_not_fire_on_the_first_side_seen(app: AppLoader) -> None:
    out = app("crossover_signals").handle({"series": series(1, 2, 3), "short": [5.0, 6.0, 7.0], "long": [1.0, 1.0, 1.0]})
    assert out["signals"] == []


def test_crossover_signals_need_aligned_inputs(app: AppLoader) -> None:
    module = app("crossover_signals")
    with pytest.raises(module.SignalInputError, match="same length"):
        module.handle({"series": series(1, 2, 3), "short": [1.0, 2.0], "long": [1.0, 2.0, 3.0]})


# -- backtest -----------------------------------------------------------------------------------
def test_backtest_trades_on_signals_and_compares_with_buy_and_hold(app: AppLoader) -> None:
    # GIVEN a buy at 100, a sell at 120, a buy at 110, and a last close of 121
    prices = series(100, 100, 120, 110, 121)
    signals = [{"date": "2024-03-02", "type": "buy", "price": 100},
               {"date": "2024-03-03", "type": "sell", "price": 120},
               {"date": "2024-03-04", "type": "buy", "price": 110}]
    # WHEN back-tested with 10,000
    out = app("backtest").handle({"series": prices, "signals": signals})
    # THEN 10,000 -> 12,000 -> 12,000/110 units worth 13,200 at 121; buy-and-hold 12,100
    assert out == {"initial_capital": 10000, "final_equity": 13200.0, "strategy_return_pct": 32.0,
                   "buy_and_hold_equity": 12100.0, "buy_and_hold_return_pct": 21.0, "excess_return_pct": 11.0,
                   "trades": 1, "orders": 3, "open_position": True, "start": "2024-03-01", "end": "2024-03-05"}


def test_backtest_ignores_a_sell_without_position_and_a_second_buy(app: AppLoader) -> None:
    signals = [{"date": "2024-03-01", "type": "sell", "price": 100},
               {"date": "2024-03-02", "type": "buy", "price": 50},
               {"date": "2024-03-03", "type": "buy", "price": 60}]
    out = app("backtest").handle({"series": series(100, 50, 60, 75), "signals": signals, "capital": 1000})
    assert out["orders"] == 1 and out["trades"] == 0 and out["final_equity"] == 1500.0


def test_backtest_without_signals_stays_in_cash(app: AppLoader) -> None:
    out = app("backtest").handle({"series": series(10, 20), "signals": []})
    assert out["final_equity"] == 10000 and out["strategy_return_pct"] == 0.0 and out["buy_and_hold_return_pct"] == 100.0


def test_backtest_needs_prices_and_capital(app: AppLoader) -> None:
    module = app("backtest")
    with pytest.raises(module.BacktestError, match="empty"):
        module.handle({"series": [], "signals": []})
    with pytest.raises(module.BacktestError, match="capital"):
        module.handle({"series": series(1), "signals": [], "capital": 0})


# -- render_chart -------------------------------------------------------------------------------
def chart_input(path: str) -> dict[str, Any]:
    s = series(*[10 + (i % 7) for i in range(20)])
    return {"series": s, "short": {"window": 3, "values": [None, None] + [11.0] * 18},
            "long": {"window": 5, "values": [None] * 4 + [12.0] * 16},
            "signals": [{"date": "2024-03-06", "type": "buy", "price": 15}, {"date": "2024-03-09", "type": "sell", "price": 11}],
            "path": path}


def test_render_chart_writes_a_png(app: AppLoader, project_dir: Path) -> None:
    out = app("render_chart").handle(chart_input("out/chart.png"))
    target = project_dir / "out" / "chart.png"
    assert out["path"] == str(target) and (out["width"], out["height"]) == (1200, 600)
    with Image.open(target) as image:
        assert image.format == "PNG" and image.size == (1200, 600)
    assert out["bytes"] == target.stat().st_size > 10_000


def test_render_chart_writes_to_s3(app: AppLoader, bucket: str) -> None:
    out = app("render_chart").handle(chart_input(f"s3://{bucket}/charts/ma.png"))
    head = boto3.client("s3").head_object(Bucket=bucket, Key="charts/ma.png")
    assert out["path"] == f"s3://{bucket}/charts/ma.png" and head["ContentType"] == "image/png"


def test_render_chart_rejects_misaligned_averages(app: AppLoader, project_dir: Path) -> None:
    module = app("render_chart")
    bad = {**chart_input("c.png"), "long": {"window": 5, "values": [1.0]}}
    with pytest.raises(module.ChartError, match="long"):
        module.handle(bad)
