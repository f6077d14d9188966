"""Strands that can move to another thread while a local handler runs on theirs.

A strand (a Map iteration, a Parallel branch, the top level) runs as a generator: where a Task
calls a local Lambda handler it yields a :class:`Suspension`, and whoever drives it performs the
call and sends the result back (or throws the error in). Two drivers:

* :func:`drive` performs each call *blocking*: the handler runs on a handler thread while this
  one waits, within the task's timeout and cancellable (the top level and a Map that runs one
  item at a time on its caller's thread).
* :func:`run_workers` (the real clock's Parallel branches and Map iterations) runs the handler
  *inline*, on the worker thread itself: no hand-off to another thread and back per call, which
  cost a foreach of small functions more than half of its time (issue 14). So that the task can
  still time out (``TimeoutSeconds``, the function's own timeout) or be cancelled while its
  handler goes on, as in AWS, a :class:`Watchdog` holds a ticket per inline call: at the
  deadline, or when the strand's cancel scope is cancelled, it gives the strand (the suspended
  generator, which no thread is running) to a new thread, which throws the error into it and
  carries on with the strand and then the worker's other jobs. The thread left in the handler
  drops the handler's result when it returns, and ends. Exactly one of the two wins a ticket.

Example::

    >>> def strand():
    ...     value = yield Immediate(20)
    ...     return value + 1
    >>> drive(strand())
    21
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Sequence
from typing import Any, Protocol, TypeVar

from orchestrator.engine.cancel import CancelScope

__all__ = ["MOVED", "Immediate", "StrandGen", "Suspension", "Ticket", "Watchdog", "drive", "run_workers"]

J = TypeVar("J")

StrandGen = Generator["Suspension", Any, Any]
"""A strand as a generator: yields suspensions, is sent their results, returns its own."""

Outcome = tuple[Any, BaseException | None]
"""(value, None) or (None, error)."""

MOVED: Any = object()
"""What :meth:`Suspension.inline` returns when the strand went on on another thread."""

Resume = Callable[[BaseException], None]
"""Called (once, by the watchdog or a canceller) to carry on with a suspended strand elsewhere,
throwing the error into it."""


class Suspension(Protocol):
    """A call a strand waits for."""

    def blocking(self) -> Any:
        """Perform the call with this thread waiting: its result, or raise its error."""

    def inline(self, resume: Resume) -> Outcome | Any:
        """Perform the call on this thread: its outcome, or :data:`MOVED` when the strand was
        resumed elsewhere (``resume`` was called) before the call returned."""


class Immediate:
    """A suspension whose result is already known (tests, examples)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def blocking(self) -> Any:
        return self.value

    def inline(self, resume: Resume) -> Outcome:
        return self.value, None


def drive(strand: StrandGen) -> Any:
    """Run ``strand`` to its end on this thread, performing each suspension blocking."""
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            suspension = strand.send(value) if error is None else strand.throw(error)
        except StopIteration as stop:
            return stop.value
        try:
            value, error = suspension.blocking(), None
        except BaseException as exc:  # thrown into the strand, where its Retry/Catch are
            value, error = None, exc


def _step(strand: StrandGen, value: Any, error: BaseException | None, resume: Callable[[StrandGen, BaseException], None]) -> bool:
    """Run ``strand`` (sending ``value`` or throwing ``error``) with its calls inline; True when
    it ended here, False when it went on on another thread."""
    while True:
        try:
            suspension = strand.send(value) if error is None else strand.throw(error)
        except StopIteration:
            return True
        outcome = suspension.inline(lambda exc, strand=strand: resume(strand, exc))  # type: ignore[misc]
        if outcome is MOVED:
            return False
        value, error = outcome


# ---------------------------------------------------------------- the watchdog
class Ticket:
    """One inline call watched for its deadline and its strand's cancellation; ``claim()`` is
    won once, by the call returning or by its expiry. (A :class:`~orchestrator.engine.cancel.Wakeable`
    for :meth:`CancelScope.watch`: cancelling the scope calls :meth:`set`.)"""

    __slots__ = ("_claim", "cancel", "deadline", "error", "resume")

    def __init__(self, deadline: float, error: Callable[[], BaseException], cancel: CancelScope,
                 resume: Resume) -> None:
        self.deadline = deadline
        self.error: Callable[[], BaseException] | None = error
        self.cancel = cancel
        self.resume: Resume | None = resume
        self._claim = threading.Lock()

    def claim(self) -> bool:
        return self._claim.acquire(blocking=False)

    def done(self) -> bool:
        return self._claim.locked()

    def release_refs(self) -> None:
        """Forget the strand (a finished call's ticket may wait in the watchdog's heap)."""
        self.error = self.resume = None

    def expire(self, reason: BaseException | None = None) -> None:
        """The deadline passed (``reason`` None) or the strand was cancelled: if the call has
        not returned, the strand goes on elsewhere with the error."""
        error, resume = self.error, self.resume
        if error is None or resume is None or not self.claim():
            return
        self.release_refs()
        resume(reason if reason is not None else error())

    # Wakeable, for CancelScope.watch
    def set(self) -> None:
        self.expire(self.cancel.cancelled())

    def is_set(self) -> bool:
        return self.done()

    def wait(self, timeout: float | None = None) -> bool:
        raise NotImplementedError("a ticket is never waited on")


class Watchdog:
    """One thread that expires the tickets whose deadline passed. Adding a ticket appends it to
    a deque (no lock, no wake-up while the thread is busy); the thread looks at new tickets at
    least every :attr:`TICK` seconds, so a deadline fires at most that late."""

    TICK = 0.05

    def __init__(self) -> None:
        self._new: deque[Ticket] = deque()
        self._idle = True
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def add(self, ticket: Ticket) -> None:
        self._new.append(ticket)
        if self._idle:
            self._idle = False
            if self._thread is None:
                with self._start_lock:
                    if self._thread is None:
                        self._thread = threading.Thread(target=self._run, name="flowctl-watchdog", daemon=True)
                        self._thread.start()
            self._wake.set()

    def _run(self) -> None:
        heap: list[tuple[float, int, Ticket]] = []
        seq = 0
        new = self._new
        while True:
            arrived = bool(new)
            while new:
                ticket = new.popleft()
                if not ticket.done():  # (most calls have returned by now: never kept)
                    seq += 1
                    heapq.heappush(heap, (ticket.deadline, seq, ticket))
            now = time.time()
            while heap and (heap[0][0] <= now or heap[0][2].done()):
                ticket = heapq.heappop(heap)[2]
                if not ticket.done():
                    ticket.expire()
                ticket.release_refs()
            if heap or arrived:
                # Busy: look again within a tick. (Idle only after a tick with no new ticket:
                # calls that follow one another do not wake this thread one by one.)
                self._wake.wait(min(self.TICK, max(heap[0][0] - now, 0.0)) if heap else self.TICK)
                self._wake.clear()
                continue
            self._idle = True
            if new:  # added while this thread was deciding to go idle
                self._idle = False
                continue
            self._wake.wait()
            self._wake.clear()


WATCHDOG = Watchdog()


# ---------------------------------------------------------------- workers
def run_workers(jobs: Sequence[J], workers: int, start: Callable[[J], StrandGen | None]) -> None:
    """Run ``start(job)`` for each of ``jobs`` on ``workers`` threads, each taking the next job
    when done with one, the strand it returns (if any) with its calls inline; return once every
    job is done (their errors are theirs to catch: the first one that escapes a job is raised
    here, and no further job starts)."""
    queue = iter(jobs)
    lock = threading.Lock()
    errors: list[BaseException] = []
    slots = [workers]
    all_done = threading.Event()

    def resume(strand: StrandGen, error: BaseException) -> None:
        threading.Thread(target=work, args=(strand, error), name="asl-moved", daemon=True).start()

    def work(strand: StrandGen | None = None, error: BaseException | None = None) -> None:
        try:
            if strand is not None and not _step(strand, None, error, resume):
                return  # it went on elsewhere: so does this worker's place
            while True:
                # (no lock: a list iterator's next is atomic; the workers do not queue for it)
                job = None if errors else next(queue, None)
                if job is None:
                    break
                strand = start(job)
                if strand is not None and not _step(strand, None, None, resume):
                    return
        except BaseException as exc:  # raised in the caller once every worker is done
            with lock:
                errors.append(exc)
        with lock:
            slots[0] -= 1
            last = slots[0] == 0
        if last:
            all_done.set()

    for i in range(workers):
        threading.Thread(target=work, name=f"asl-{i}", daemon=True).start()
    all_done.wait()
    if errors:
        raise errors[0]
