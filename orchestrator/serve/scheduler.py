"""The local scheduler: every enabled ``schedules`` entry of every flow fires while ``serve`` runs.

Each fire time starts one run whose id is :func:`~orchestrator.serve.schedules.fire_run_id`
(the fire time is the idempotency key): the run record is created with a conditional write in
the project's store, so a fire time starts one run even when ``serve`` restarts, runs twice, or
``flowctl backfill`` covered it.

Missed fire times (``serve`` was not running): when the scheduler starts, it fires the fire times
of each schedule that come after the schedule's latest run and are at most ``catch_up`` seconds
old (default 15 minutes: a restart loses nothing); older ones are skipped and reported (see
:attr:`Scheduler.skipped`) — ``flowctl backfill`` runs them. A schedule that never ran starts
from now.

Time comes from ``clock`` (aware UTC datetimes), injectable: tests drive it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from orchestrator.errors import FlowctlError
from orchestrator.flowlang.model import Flow, Schedule
from orchestrator.serve.schedules import fire_run_id, fire_times, parse_fire_run_id, scheduled_time

__all__ = ["DEFAULT_CATCH_UP_SECONDS", "Entry", "Scheduler", "schedule_params"]

DEFAULT_CATCH_UP_SECONDS = 900
Starter = Callable[[str, Any, str], Any]
"""``start(flow, params, run_id) -> StartedRun``."""


@dataclass
class Entry:
    """One schedule of one flow; ``number`` is 1-based, as in the SAM template (Schedule1...)."""

    flow: Flow
    number: int
    schedule: Schedule
    cursor: datetime
    """Fire times up to this instant are done (fired or skipped)."""


def schedule_params(schedule: Schedule, instant: datetime) -> dict[str, Any]:
    """The run input of a fire time: the schedule's ``input`` and its ``time_param``."""
    params = dict(schedule.input)
    if schedule.time_param:
        params[schedule.time_param] = scheduled_time(instant)
    return params


class Scheduler:
    """Fires the enabled schedules of ``flows`` on ``clock`` through ``start``."""

    def __init__(
        self,
        flows: dict[str, Flow],
        start: Starter,
        *,
        clock: Callable[[], datetime],
        last_fired: Callable[[str, int], datetime | None] = lambda flow, number: None,
        catch_up: float = DEFAULT_CATCH_UP_SECONDS,
        on_fire: Callable[[Entry, datetime, Any], None] | None = None,
        on_error: Callable[[Entry, datetime, Exception], None] | None = None,
    ) -> None:
        self.start = start
        self.clock = clock
        self.on_fire = on_fire
        self.on_error = on_error
        self.skipped: dict[str, int] = {}
        """Missed fire times not caught up, by ``<flow>#<number>``."""
        now = clock()
        self.entries: list[Entry] = []
        for name in sorted(flows):
            for number, schedule in enumerate(flows[name].schedules, start=1):
                if not schedule.enabled:
                    continue
                last = last_fired(name, number)
                cursor = now if last is None else max(last, now - timedelta(seconds=catch_up))
                if last is not None and cursor > last:
                    missed = sum(
                        1 for _ in islice(fire_times(schedule, last, until=cursor), 100_000)
                    )
                    if missed:
                        self.skipped[f"{name}#{number}"] = missed
                self.entries.append(Entry(flows[name], number, schedule, min(cursor, now)))
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def next_fire_times(self, count: int = 1) -> list[tuple[Entry, list[datetime]]]:
        """The next ``count`` fire times of each schedule."""
        return [(e, list(fire_times(e.schedule, e.cursor, count=count))) for e in self.entries]

    def tick(self) -> list[tuple[Entry, datetime, Any]]:
        """Fire every fire time due by now (each once); what started."""
        now = self.clock()
        fired: list[tuple[Entry, datetime, Any]] = []
        with self._lock:
            for entry in self.entries:
                for instant in fire_times(entry.schedule, entry.cursor, until=now):
                    run_id = fire_run_id(entry.flow.name, entry.number, instant)
                    try:
                        started = self.start(
                            entry.flow.name, schedule_params(entry.schedule, instant), run_id
                        )
                    except (FlowctlError, OSError) as exc:
                        if self.on_error is not None:
                            self.on_error(entry, instant, exc)
                    else:
                        fired.append((entry, instant, started))
                        if self.on_fire is not None:
                            self.on_fire(entry, instant, started)
                    entry.cursor = instant
                entry.cursor = max(entry.cursor, now)
        return fired

    def run(self, interval: float = 1.0) -> None:
        """Tick until :meth:`stop` (wakes every ``interval`` seconds of real time)."""
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(interval)

    def stop(self) -> None:
        self._stop.set()


def latest_fired(run_ids: list[str], flow: str, number: int) -> datetime | None:
    """The latest fire time of schedule ``number`` of ``flow`` among ``run_ids``."""
    found = [
        p[2] for p in map(parse_fire_run_id, run_ids) if p and p[0] == flow[:50] and p[1] == number
    ]
    return max(found) if found else None


def utc_now() -> datetime:
    return datetime.now(UTC)
