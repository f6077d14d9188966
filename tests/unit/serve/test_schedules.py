"""Fire times of schedules: cron in a time zone across DST changes (as EventBridge Scheduler
documents: a time skipped by spring-forward does not fire, a repeated time fires once), rates,
and the run id that makes one fire time one run."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestrator.flowlang.model import Schedule
from orchestrator.serve.schedules import (
    fire_run_id,
    fire_times,
    parse_fire_run_id,
    rate_seconds,
    scheduled_time,
)


def times(schedule: Schedule, after: datetime, count: int, **kw: object) -> list[str]:
    return [scheduled_time(t) for t in fire_times(schedule, after, count=count, **kw)]  # type: ignore[arg-type]


def test_cron_runs_on_the_wall_clock_of_its_zone() -> None:
    schedule = Schedule(cron="0 2 * * ? *", timezone="Asia/Bangkok")
    assert times(schedule, datetime(2026, 1, 1, tzinfo=UTC), 2) == [
        "2026-01-01T19:00:00Z",
        "2026-01-02T19:00:00Z",
    ]


def test_cron_wrapper_and_utc_default() -> None:
    assert times(Schedule(cron="cron(15 10 ? * MON *)"), datetime(2026, 12, 1, tzinfo=UTC), 2) == [
        "2026-12-07T10:15:00Z",
        "2026-12-14T10:15:00Z",
    ]


def test_spring_forward_skips_a_time_that_does_not_exist() -> None:
    # GIVEN 02:30 New York every day; on 2026-03-08 the clock jumps from 02:00 to 03:00
    schedule = Schedule(cron="30 2 * * ? *", timezone="America/New_York")
    assert times(schedule, datetime(2026, 3, 6, tzinfo=UTC), 3) == [
        "2026-03-06T07:30:00Z",
        "2026-03-07T07:30:00Z",
        "2026-03-09T06:30:00Z",
    ]


def test_fall_back_fires_a_repeated_time_once() -> None:
    # GIVEN every 30 minutes in New York; on 2026-11-01 01:00-02:00 happens twice
    schedule = Schedule(cron="*/30 * * * ? *", timezone="America/New_York")
    assert times(schedule, datetime(2026, 11, 1, 4, tzinfo=UTC), 5) == [
        "2026-11-01T04:30:00Z",
        "2026-11-01T05:00:00Z",
        "2026-11-01T05:30:00Z",
        "2026-11-01T07:00:00Z",
        "2026-11-01T07:30:00Z",
    ]


def test_rates_are_aligned_and_days_are_24_hours() -> None:
    assert rate_seconds("rate(1 day)") == 86400 and rate_seconds("5 minutes") == 300
    five = Schedule(rate="5 minutes")
    assert times(five, datetime(2026, 11, 1, 4, 2, tzinfo=UTC), 2) == [
        "2026-11-01T04:05:00Z",
        "2026-11-01T04:10:00Z",
    ]
    assert times(five, datetime(2026, 11, 1, 4, 5, tzinfo=UTC), 1, inclusive=True) == [
        "2026-11-01T04:05:00Z"
    ]
    daily = Schedule(rate="1 day", timezone="America/New_York")
    assert times(daily, datetime(2026, 10, 31, 12, tzinfo=UTC), 2) == [
        "2026-11-01T00:00:00Z",
        "2026-11-02T00:00:00Z",
    ]


def test_until_bounds_the_times() -> None:
    found = list(
        fire_times(
            Schedule(rate="1 hour"),
            datetime(2026, 1, 1, tzinfo=UTC),
            until=datetime(2026, 1, 1, 3, tzinfo=UTC),
        )
    )
    assert [t.hour for t in found] == [1, 2, 3]


def test_fire_run_id_round_trips() -> None:
    instant = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    run_id = fire_run_id("api-extract", 1, instant)
    assert run_id == "api-extract-s1-20261201T1900Z"
    assert parse_fire_run_id(run_id) == ("api-extract", 1, instant)
    assert parse_fire_run_id("api-extract-20261201") is None


def test_a_rate_that_is_not_one() -> None:
    with pytest.raises(ValueError):
        rate_seconds("often")
