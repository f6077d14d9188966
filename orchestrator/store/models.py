"""What the run store holds: runs, steps, waiters and buffered events, as small plain classes.

They behave as the ``@dataclass`` classes they were, but are written out by hand (see
:mod:`orchestrator.records`: building the dataclasses cost a Lambda's cold start ~5 ms).

Timestamps are ISO 8601 UTC strings with milliseconds (``2026-11-02T08:15:00.123Z``) so they
sort as text. ``to_dict()`` gives the JSON shape the API and the CLI show.

Run status order (monotonic): ``PENDING`` < ``RUNNING`` < a terminal status
(``SUCCEEDED``/``FAILED``/``TIMED_OUT``/``ABORTED``). A redrive starts a new round: every status
of redrive round *n* is newer than every status of round *n-1*.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from orchestrator.records import FrozenRecord, Record, as_dict

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


class Step(Record):
    """One attempt of one node (for a fan-out, of one item ``index``) in one round of the run.

    ``attempt`` is the retry count within the round (Step Functions' ``State.RetryCount``);
    ``redrive`` is the round (``Execution.RedriveCount``: 0 for the first, n after n redrives),
    so a redriven attempt never replaces the record of the round that failed.
    """

    _FIELDS = (
        "run_id", "node", "status", "index", "attempt", "started_at", "stopped_at", "duration_ms",
        "output", "error", "cause", "redrive",
    )
    __slots__ = _FIELDS
    __match_args__: ClassVar[tuple[str, ...]] = _FIELDS
    __hash__ = None  # type: ignore[assignment]  # mutable: unhashable, as a dataclass with eq

    run_id: str
    node: str
    status: str
    index: int
    attempt: int
    started_at: str | None
    stopped_at: str | None
    duration_ms: int | None
    output: Any
    error: str | None
    cause: str | None
    redrive: int

    def __init__(
        self,
        run_id: str,
        node: str,
        status: str,
        index: int = 0,
        attempt: int = 0,
        started_at: str | None = None,
        stopped_at: str | None = None,
        duration_ms: int | None = None,
        output: Any = None,
        error: str | None = None,
        cause: str | None = None,
        redrive: int = 0,
    ) -> None:
        self.run_id = run_id
        self.node = node
        self.status = status
        self.index = index
        self.attempt = attempt
        self.started_at = started_at
        self.stopped_at = stopped_at
        self.duration_ms = duration_ms
        self.output = output
        self.error = error
        self.cause = cause
        self.redrive = redrive

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)

    @property
    def order(self) -> tuple[str, str, int, int, int]:
        """How steps are listed: by start time, then node, item, round and attempt."""
        return (self.started_at or "", self.node, self.index, self.redrive, self.attempt)


class Run(Record):
    """One execution of a flow. ``run_id`` is the Step Functions execution name."""

    _FIELDS = (
        "run_id", "flow", "status", "version", "input", "output", "error", "cause", "trigger",
        "started_at", "stopped_at", "updated_at", "execution_arn", "idempotency_key",
        "redrive_count", "steps", "progress", "input_digest",
    )
    __slots__ = _FIELDS
    __match_args__: ClassVar[tuple[str, ...]] = _FIELDS
    __hash__ = None  # type: ignore[assignment]  # mutable: unhashable, as a dataclass with eq

    run_id: str
    flow: str
    status: str
    version: int | None
    input: Any
    output: Any
    error: str | None
    cause: str | None
    trigger: str
    started_at: str | None
    stopped_at: str | None
    updated_at: str | None
    execution_arn: str | None
    idempotency_key: str | None
    redrive_count: int
    steps: list[Step]
    progress: dict[str, dict[str, int]]
    input_digest: str | None
    """SHA-256 of the canonical JSON of the input: repeats compare it, since a large input is
    stored as a reference or placeholder (internal; not part of :meth:`to_dict`)."""

    def __init__(
        self,
        run_id: str,
        flow: str,
        status: str = RunStatus.PENDING,
        version: int | None = None,
        input: Any = None,
        output: Any = None,
        error: str | None = None,
        cause: str | None = None,
        trigger: str = "api",
        started_at: str | None = None,
        stopped_at: str | None = None,
        updated_at: str | None = None,
        execution_arn: str | None = None,
        idempotency_key: str | None = None,
        redrive_count: int = 0,
        steps: list[Step] | None = None,
        progress: dict[str, dict[str, int]] | None = None,
        input_digest: str | None = None,
    ) -> None:
        """``steps`` and ``progress`` not given: a new empty list and dict for this run."""
        self.run_id = run_id
        self.flow = flow
        self.status = status
        self.version = version
        self.input = input
        self.output = output
        self.error = error
        self.cause = cause
        self.trigger = trigger
        self.started_at = started_at
        self.stopped_at = stopped_at
        self.updated_at = updated_at
        self.execution_arn = execution_arn
        self.idempotency_key = idempotency_key
        self.redrive_count = redrive_count
        self.steps = [] if steps is None else steps
        self.progress = {} if progress is None else progress
        self.input_digest = input_digest

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def to_dict(self) -> dict[str, Any]:
        data = as_dict(self)
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


class RunPage(FrozenRecord):
    """One page of runs, newest first; ``next_token`` is ``None`` on the last page."""

    _FIELDS = ("runs", "next_token")
    __slots__ = _FIELDS
    __match_args__: ClassVar[tuple[str, ...]] = _FIELDS

    runs: list[Run]
    next_token: str | None

    def __init__(self, runs: list[Run], next_token: str | None = None) -> None:
        object.__setattr__(self, "runs", runs)
        object.__setattr__(self, "next_token", next_token)


class Waiter(FrozenRecord):
    """A run's node waiting for event ``event`` with correlation ``key``."""

    _FIELDS = ("event", "key", "run_id", "node", "token", "created_at", "expires_at")
    __slots__ = _FIELDS
    __match_args__: ClassVar[tuple[str, ...]] = _FIELDS

    event: str
    key: str
    run_id: str
    node: str
    token: str
    created_at: str
    expires_at: int

    def __init__(
        self, event: str, key: str, run_id: str, node: str, token: str, created_at: str, expires_at: int
    ) -> None:
        object.__setattr__(self, "event", event)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "run_id", run_id)
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "token", token)
        object.__setattr__(self, "created_at", created_at)
        object.__setattr__(self, "expires_at", expires_at)


class BufferedEvent(FrozenRecord):
    """A published event that found no waiter, kept until ``expires_at`` (epoch seconds)."""

    _FIELDS = ("event", "key", "event_id", "data", "published_at", "expires_at")
    __slots__ = _FIELDS
    __match_args__: ClassVar[tuple[str, ...]] = _FIELDS

    event: str
    key: str
    event_id: str
    data: Any
    published_at: str
    expires_at: int

    def __init__(
        self, event: str, key: str, event_id: str, data: Any, published_at: str, expires_at: int
    ) -> None:
        object.__setattr__(self, "event", event)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "event_id", event_id)
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "published_at", published_at)
        object.__setattr__(self, "expires_at", expires_at)
