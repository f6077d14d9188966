"""The scheduler's policy: a schedule that never ran starts from now; fire times missed since
its latest run fire at start when at most `catch_up` old, older ones are skipped and counted;
every fire time is handed to `start` once with its run id and time_param."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from orchestrator.flowlang.model import Flow
from orchestrator.serve.scheduler import Scheduler

FLOW = Flow.model_validate({
    "name": "tick", "params": {"at": {"type": "string", "default": ""}},
    "schedules": [{"rate": "1 minute", "time_param": "at", "input": {}},
                  {"cron": "0 0 * * ? *", "enabled": False}],
    "nodes": {"n": {"set": {"x": 1}}},
})
T0 = datetime(2026, 12, 1, 10, 0, 30, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make(clock: Clock, last: datetime | None = None, catch_up: float = 900) -> tuple[Scheduler, list[Any]]:
    started: list[Any] = []
    scheduler = Scheduler({"tick": FLOW}, lambda flow, params, run_id: started.append((run_id, params)) or run_id,
                          clock=clock, last_fired=lambda flow, number: last, catch_up=catch_up)
    return scheduler, started


def test_a_schedule_that_never_ran_starts_from_now() -> None:
    clock = Clock(T0)
    scheduler, started = make(clock)
    assert scheduler.tick() == [] and started == []
    clock.now = T0 + timedelta(seconds=90)  # 10:02:00
    scheduler.tick()
    scheduler.tick()  # nothing twice
    assert started == [("tick-s1-20261201T1001Z", {"at": "2026-12-01T10:01:00Z"}),
                       ("tick-s1-20261201T1002Z", {"at": "2026-12-01T10:02:00Z"})]
    assert len(scheduler.entries) == 1  # the disabled schedule never fires


def test_missed_fire_times_within_catch_up_fire_at_start() -> None:
    scheduler, started = make(Clock(T0), last=T0 - timedelta(minutes=3, seconds=30))  # last: 09:57
    scheduler.tick()
    assert [r for r, _ in started] == ["tick-s1-20261201T0958Z", "tick-s1-20261201T0959Z", "tick-s1-20261201T1000Z"]
    assert scheduler.skipped == {}


def test_older_missed_fire_times_are_skipped_and_counted() -> None:
    scheduler, started = make(Clock(T0), last=T0 - timedelta(hours=1, seconds=30), catch_up=120)  # last: 09:00
    scheduler.tick()
    assert [r for r, _ in started] == ["tick-s1-20261201T0959Z", "tick-s1-20261201T1000Z"]
    assert scheduler.skipped == {"tick#1": 58}
    (entry, upcoming), = scheduler.next_fire_times(2)
    assert [t.minute for t in upcoming] == [1, 2]
