"""Fire times of flow ``schedules``, as EventBridge Scheduler computes them.

* ``cron``: EventBridge's six-field syntax (aws-croniter), evaluated on the wall clock of the
  schedule's ``timezone``. Daylight saving time as EventBridge Scheduler documents it: when the
  clock springs forward, a fire time that falls in the skipped hour does not happen; when it
  falls back, a fire time in the repeated hour happens once (its first occurrence).
* ``rate``: a fixed duration (``days`` are 24 hours, whatever the zone's DST does), aligned on
  multiples of the duration since 1970-01-01T00:00Z so that fire times are the same in every
  process and across restarts.

A fire time is an aware UTC datetime; :func:`scheduled_time` is the ISO text a run receives in
the schedule's ``time_param`` (EventBridge Scheduler's ``<aws.scheduler.scheduled-time>``), and
:func:`fire_run_id` the run id (the execution name) that makes each fire time start one run.

Example::

    >>> from orchestrator.flowlang.model import Schedule
    >>> s = Schedule(cron="0 2 * * ? *", timezone="Asia/Bangkok")
    >>> [scheduled_time(t) for t in fire_times(s, datetime(2026, 1, 1, tzinfo=UTC), count=2)]
    ['2026-01-01T19:00:00Z', '2026-01-02T19:00:00Z']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from orchestrator.flowlang.model import Schedule
from orchestrator.flowlang.schedules import normalize_cron

__all__ = [
    "fire_run_id",
    "fire_times",
    "parse_fire_run_id",
    "rate_seconds",
    "scheduled_time",
]

_RATE = re.compile(r"^(?:rate\()?\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)?$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_RUN_ID = re.compile(r"^(?P<flow>.+)-s(?P<n>\d+)-(?P<t>\d{8}T\d{4}Z)$")
_MAX_CANDIDATES = 100_000


def rate_seconds(rate: str) -> int:
    """``'5 minutes'`` or ``'rate(1 day)'`` → seconds."""
    match = _RATE.match(rate.strip())
    if match is None:
        raise ValueError(f"not an EventBridge rate: {rate!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]


def fire_times(
    schedule: Schedule,
    after: datetime,
    *,
    until: datetime | None = None,
    count: int | None = None,
    inclusive: bool = False,
) -> Iterator[datetime]:
    """Fire times of ``schedule`` after ``after`` (at it too with ``inclusive``), up to ``until``
    (inclusive) and at most ``count`` of them; aware UTC datetimes in order."""
    if until is None and count is None:
        raise ValueError("give until or count")
    start = after.astimezone(UTC) - (timedelta(microseconds=1) if inclusive else timedelta(0))
    times = _cron_times(schedule, start) if schedule.cron else _rate_times(schedule, start)
    for n, instant in enumerate(times):
        if (count is not None and n >= count) or (until is not None and instant > until):
            return
        yield instant


def _rate_times(schedule: Schedule, after: datetime) -> Iterator[datetime]:
    period = rate_seconds(schedule.rate or "")
    epoch = int(after.timestamp()) // period * period
    while True:
        epoch += period
        yield datetime.fromtimestamp(epoch, UTC)


def _cron_times(schedule: Schedule, after: datetime) -> Iterator[datetime]:
    from aws_croniter import AwsCroniter

    cron = AwsCroniter(normalize_cron(schedule.cron or ""))
    zone = ZoneInfo(schedule.timezone)
    # aws-croniter works on UTC datetimes: give it the zone's wall clock dressed as UTC.
    wall = after.astimezone(zone).replace(tzinfo=None) - timedelta(hours=3)
    cursor = wall.replace(tzinfo=UTC)
    for _ in range(_MAX_CANDIDATES):
        found = cron.get_next(cursor)[0]
        if found is None:
            return
        cursor = found
        local = found.replace(tzinfo=None)
        aware = local.replace(tzinfo=zone, fold=0)
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
            continue  # in the hour skipped when the clock springs forward: no fire
        instant = aware.astimezone(UTC)
        if instant > after:
            yield instant


def scheduled_time(instant: datetime) -> str:
    """``2026-01-01T19:00:00Z``: the scheduled time as EventBridge Scheduler passes it."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fire_run_id(flow: str, number: int, instant: datetime) -> str:
    """The run id of schedule ``number`` (1-based) of ``flow`` at ``instant``: one run per fire
    time, whoever starts it (``serve``, a restarted ``serve``, ``backfill``)."""
    return f"{flow[:50]}-s{number}-{instant.astimezone(UTC):%Y%m%dT%H%MZ}"


def parse_fire_run_id(run_id: str) -> tuple[str, int, datetime] | None:
    """(flow, schedule number, fire time) of a :func:`fire_run_id`, or None."""
    match = _RUN_ID.match(run_id)
    if match is None:
        return None
    instant = datetime.strptime(match.group("t"), "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
    return match.group("flow"), int(match.group("n")), instant
