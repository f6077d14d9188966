"""GIVEN a flow with a one-minute rate schedule WHEN `flowctl serve` runs on an injected clock
(and restarts) THEN each fire time starts exactly one run with the scheduled time; `backfill`
starts one run per fire time in a range, and a repeat starts none."""

from __future__ import annotations

from pathlib import Path

import pytest
from servepath import flowctl, set_clock, wait_for


def tick_ids(server) -> set[str]:
    return {r["run_id"] for r in server.runs("ticker")}


@pytest.mark.slow
def test_a_schedule_fires_once_per_fire_time_across_restarts(project: Path, serve) -> None:
    # GIVEN serve started at 10:00:30 (a schedule that never ran starts from now)
    first = serve()
    # WHEN the clock reaches 10:01
    set_clock(project, "2026-12-01T10:01:00Z")
    wanted = "ticker-s1-20261201T1001Z"
    wait_for(lambda: wanted in tick_ids(first), "the 10:01 run")
    # THEN one run started, with the schedule's input and the scheduled time
    run = first.finished(wanted)
    assert run["status"] == "SUCCEEDED" and run["trigger"] == "schedule"
    assert run["output"] == {"at": "2026-12-01T10:01:00Z", "label": "tick"}
    assert first.stop() == 0
    # WHEN serve restarts at the same time, then the clock reaches 10:02
    second = serve()
    set_clock(project, "2026-12-01T10:02:00Z")
    wait_for(lambda: "ticker-s1-20261201T1002Z" in tick_ids(second), "the 10:02 run")
    # THEN 10:01 did not start again
    assert tick_ids(second) == {"ticker-s1-20261201T1001Z", "ticker-s1-20261201T1002Z"}
    assert second.stop() == 0
    # WHEN serve was down from 10:02 to 10:05:30 (within --catch-up)
    set_clock(project, "2026-12-01T10:05:30Z")
    third = serve()
    # THEN the missed fire times run once each when it starts again
    missed = {f"ticker-s1-20261201T10{m:02d}Z" for m in (3, 4, 5)}
    wait_for(lambda: missed <= tick_ids(third), "the missed runs")
    assert tick_ids(third) == {"ticker-s1-20261201T1001Z", "ticker-s1-20261201T1002Z"} | missed
    assert all(third.finished(r)["status"] == "SUCCEEDED" for r in missed)
    # AND fire times older than --catch-up are skipped, and serve says how to run them
    assert third.stop() == 0
    set_clock(project, "2026-12-01T12:00:30Z")
    fourth = serve("--catch-up", "60")
    set_clock(project, "2026-12-01T12:01:00Z")
    wait_for(lambda: "ticker-s1-20261201T1201Z" in tick_ids(fourth), "the 12:01 run")
    ids = tick_ids(fourth)
    assert "ticker-s1-20261201T1100Z" not in ids and "ticker-s1-20261201T1200Z" in ids
    assert fourth.stop() == 0
    assert "skipped" in fourth.stderr and "flowctl backfill ticker" in fourth.stderr


def test_schedules_list_shows_next_fire_times(project: Path) -> None:
    listed = flowctl(project, "schedules", "list", "--count", "2")
    assert listed.returncode == 0, listed.stderr
    assert "ticker" in listed.stdout and "rate(1 minute)" in listed.stdout
    assert "nightly" in listed.stdout and "Asia/Bangkok" in listed.stdout and "disabled" in listed.stdout


def test_backfill_over_three_days_then_again(project: Path) -> None:
    # WHEN a daily 02:00 Bangkok schedule is backfilled over three days
    first = flowctl(project, "backfill", "nightly", "--from", "2026-11-01", "--to", "2026-11-03")
    # THEN three runs start, one per fire time, each with its scheduled time
    assert first.returncode == 0, first.stderr
    assert "started 3 run(s)" in first.stdout
    for day in ("20261031T1900Z", "20261101T1900Z", "20261102T1900Z"):
        assert f"started  nightly-s1-{day}" in first.stdout
    assert first.stderr.count("SUCCEEDED") == 3
    # WHEN the same backfill runs again THEN it starts nothing new
    again = flowctl(project, "backfill", "nightly", "--from", "2026-11-01", "--to", "2026-11-03")
    assert again.returncode == 0, again.stderr
    assert "started 0 run(s)" in again.stdout and "3 already had their run" in again.stdout
    shown = flowctl(project, "runs", "show", "nightly-s1-20261101T1900Z")
    assert '"day": "2026-11-01T19:00:00Z"' in shown.stdout


def test_backfill_goes_to_a_running_server(project: Path, serve) -> None:
    server = serve()
    done = flowctl(project, "backfill", "ticker", "--from", "2026-11-01T00:00Z", "--to", "2026-11-01T00:02Z")
    assert done.returncode == 0, done.stderr
    assert "started 3 run(s) in flowctl serve" in done.stdout
    for minute in ("0000", "0001", "0002"):
        assert server.finished(f"ticker-s1-20261101T{minute}Z")["status"] == "SUCCEEDED"
