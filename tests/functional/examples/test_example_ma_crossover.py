"""GIVEN the shipped daily prices (2021-2023) WHEN the ma-crossover flow (pyt3r's price-series
analysis) runs with `flowctl run` THEN the test period, the moving averages, the crossover
signals, the back-test and the chart are the known ones, and `--break-at` shows what a node
would receive, step by step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIGNALS = [
    ("2022-04-28", "buy", 63.48), ("2022-06-24", "sell", 60.9), ("2022-07-21", "buy", 68.77),
    ("2022-09-05", "sell", 66.58), ("2023-01-09", "buy", 54.92), ("2023-05-15", "sell", 62.47),
    ("2023-08-30", "buy", 62.54), ("2023-12-14", "sell", 74.1), ("2023-12-28", "buy", 75.98),
]


def stopped_input(run) -> dict:
    """The data a `--break-at` run printed for the node it stopped before."""
    assert run.exit_code == 0, run.stderr
    head, _, data = run.stdout.partition("it would receive:\n")
    assert "stopped before" in head
    return json.loads(data)


def test_back_test_and_chart_over_the_default_period(run_flow, out_dir: Path) -> None:
    chart = out_dir / "chart.png"
    # WHEN the flow runs over its default test period, 2022-2023, with SMA 20/50
    output = run_flow("ma-crossover", "-p", f"chart={chart}").output
    # THEN 9 crossovers are traded: 4 round trips and a position still open on 2023-12-29
    assert output["signals"] == 9
    assert output["backtest"] == {
        "initial_capital": 10000, "final_equity": 12585.3, "strategy_return_pct": 25.85,
        "buy_and_hold_equity": 10481.61, "buy_and_hold_return_pct": 4.82, "excess_return_pct": 21.03,
        "trades": 4, "orders": 9, "open_position": True, "start": "2022-01-03", "end": "2023-12-29",
    }
    # AND the chart is a real 1200x600 PNG
    assert output["chart"] == str(chart)
    data = chart.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 20_000
    with Image.open(chart) as image:
        image.verify()
    with Image.open(chart) as image:
        assert (image.format, image.size) == ("PNG", (1200, 600))


def test_break_at_signals_shows_the_moving_averages_it_would_receive(run_flow, store, out_dir: Path) -> None:
    chart = out_dir / "chart.png"
    # WHEN the run stops before the crossover node (pyt3r-style step-through)
    run = run_flow("ma-crossover", "-p", f"chart={chart}", "--break-at", "signals", "--full")
    received = stopped_input(run)
    # THEN it shows the isolated series and both moving averages, aligned day by day
    series, short, long = received["series"], received["short"], received["long"]
    assert len(series) == len(short) == len(long) == 520
    assert (series[0]["date"], series[-1]["date"]) == ("2022-01-03", "2023-12-29")
    assert short[:19] == [None] * 19 and short[19] is not None
    assert long[:49] == [None] * 49 and long[49] is not None
    day = next(i for i, point in enumerate(series) if point["date"] == "2022-03-15")
    assert series[day]["close"] == 58.58
    assert short[day] == pytest.approx(60.773) and long[day] == pytest.approx(63.773)
    # AND the flow went no further: no signals, no chart
    assert not chart.exists()
    assert "signals" not in {step.node for step in store.get_run(run.run_id).steps}


def test_break_at_backtest_shows_the_crossover_signals(run_flow, out_dir: Path) -> None:
    received = stopped_input(run_flow("ma-crossover", "-p", f"chart={out_dir / 'c.png'}", "--break-at", "backtest", "--full"))
    assert [(s["date"], s["type"], s["price"]) for s in received["signals"]] == SIGNALS


def test_start_and_end_isolate_the_test_period(run_flow, out_dir: Path) -> None:
    # WHEN only the first half of 2023 is tested
    period = ("-p", "start=2023-01-01", "-p", "end=2023-06-30", "-p", f"chart={out_dir / 'h1.png'}")
    received = stopped_input(run_flow("ma-crossover", *period, "--break-at", "sma-short", "--full"))
    # THEN the averages only see the business days of that half-year
    series = received["series"]
    assert len(series) == 130
    assert (series[0], series[-1]) == ({"date": "2023-01-02", "close": 55.28}, {"date": "2023-06-30", "close": 58.9})
    # AND the back-test covers exactly that period
    output = run_flow("ma-crossover", *period).output
    assert (output["backtest"]["start"], output["backtest"]["end"]) == ("2023-01-02", "2023-06-30")


def test_a_period_without_prices_is_a_clear_failure(run_flow, out_dir: Path) -> None:
    run = run_flow("ma-crossover", "-p", "start=2030-01-01", "-p", "end=2030-12-31", "-p", f"chart={out_dir / 'x.png'}")
    assert run.exit_code == 1
    assert "PeriodError: no price between 2030-01-01 and 2030-12-31" in run.stderr
