"""What the run store holds: runs, steps, waiters and buffered events, as plain dataclasses.

Timestamps are ISO 8601 UTC strings with milliseconds (``2026-11-02T08:15:00.123Z``) so they
sort as text. ``to_dict()`` gives the JSON shape the API and the CLI show.

Run status order (monotonic): ``PENDING`` < ``RUNNING`` < a terminal status
(``SUCCEEDED``/``FAILED``/``TIMED_OUT``/``ABORTED``). A redrive starts a new round: every status
of redrive round *n* is newer than every status of round *n-1*.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ACTIVE_STATUSES",
    "CANCEL_ERROR",
    "TERMINAL_STATUSES",
    "BufferedEvent",
    "Run",
    "RunPage",
    "RunStatus",
    "Step",
    "Waiter",
    "format_time",
    "status_sequence",
]


class RunStatus:
    """Run and step statuses (Step Functions' names, plus ``PENDING`` before the start)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"


TERMINAL_STATUSES = frozenset(
    {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.ABORTED}
)
ACTIVE_STATUSES = frozenset({RunStatus.PENDING, RunStatus.RUNNING})
CANCEL_ERROR = "flowctl.Cancelled"
"""Error of a run cancelled by ``flowctl runs cancel`` or the API (a run's status vocabulary, here so
that a local run's cancel poller reads it without loading the run service)."""
_RANK = {RunStatus.PENDING: 0, RunStatus.RUNNING: 1}


def status_sequence(status: str, redrive_count: int = 0) -> int:
    """Total order of run states: later rounds (redrives) first, then status rank."""
    rank = 2 if status in TERMINAL_STATUSES else _RANK.get(status, 1)
    return redrive_count * 10 + rank


def format_time(value: datetime | float | int | str | None = None) -> str:
    """ISO 8601 UTC with milliseconds; accepts a datetime, epoch seconds, an ISO string, or now."""
    if value is None:
        moment = datetime.now(UTC)
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    elif isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromtimestamp(float(value), UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Step:
    """One attempt of one node (for a fan-out, of one item ``index``) in one round of the run.

    ``attempt`` is the retry count within the round (Step Functions' ``State.RetryCount``);
    ``redrive`` is the round (``Execution.RedriveCount``: 0 for the first, n after n redrives),
    so a redriven attempt never replaces the record of the round that failed.
    """

    run_id: str
    node: str
    status: str
    index: int = 0
    attempt: int = 0
    started_at: str | None = None
    stopped_at: str | None = None
    duration_ms: int | None = None
    output: Any = None
    error: str | None = None
    cause: str | None = None
    redrive: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def order(self) -> tuple[str, str, int, int, int]:
        """How steps are listed: by start time, then node, item, round and attempt."""
        return (self.started_at or "", self.node, self.index, self.redrive, self.attempt)


@dataclass
class Run:
    """One execution of a flow. ``run_id`` is the Step Functions execution name."""

    run_id: str
    flow: str
    status: str = RunStatus.PENDING
    version: int | None = None
    input: Any = None
    output: Any = None
    error: str | None = None
    cause: str | None = None
    trigger: str = "api"
    started_at: str | None = None
    stopped_at: str | None = None
    updated_at: str | None = None
    execution_arn: str | None = None
    idempotency_key: str | None = None
    redrive_count: int = 0
    steps: list[Step] = field(default_factory=list)
    progress: dict[str, dict[str, int]] = field(default_factory=dict)
    input_digest: str | None = None
    """SHA-256 of the canonical JSON of the input: repeats compare it, since a large input is
    stored as a reference or placeholder (internal; not part of :meth:`to_dict`)."""

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("input_digest", None)
        return data


def progress_text(counters: dict[str, int]) -> str:
    """A foreach's progress as people read it: ``1,234/20,000`` (+ ``, 3 failed``).

    ``total`` is recorded before the items finish (by the local engine when the foreach
    starts; in the cloud by its first item, see :mod:`orchestrator.runtime.fanout`); until it
    is there the items done so far stand in for it, so a finished foreach still reads ``n/n``."""
    succeeded, failed = counters.get("succeeded", 0), counters.get("failed", 0)
    total = max(counters.get("total", 0), succeeded + failed)
    text = f"{succeeded:,}/{total:,}"
    return f"{text}, {failed:,} failed" if failed else text


@dataclass(frozen=True)
class RunPage:
    """One page of runs, newest first; ``next_token`` is ``None`` on the last page."""

    runs: list[Run]
    next_token: str | None = None


@dataclass(frozen=True)
class Waiter:
    """A run's node waiting for event ``event`` with correlation ``key``."""

    event: str
    key: str
    run_id: str
    node: str
    token: str
    created_at: str
    expires_at: int


@dataclass(frozen=True)
class BufferedEvent:
    """A published event that found no waiter, kept until ``expires_at`` (epoch seconds)."""

    event: str
    key: str
    event_id: str
    data: Any
    published_at: str
    expires_at: int
