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

__all__ = ["GROWER", "MOVED", "Grower", "Immediate", "StrandGen", "Suspension", "Ticket", "Watchdog", "drive", "run_workers"]

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


def _step(strand: StrandGen, value: Any, error: BaseException | None,
          resume: Callable[[StrandGen, BaseException], None], pool: _Pool) -> bool:
    """Run ``strand`` (sending ``value`` or throwing ``error``) with its calls inline, each
    returned call a beat of ``pool``; True when it ended here, False when it went on on another
    thread."""
    while True:
        try:
            suspension = strand.send(value) if error is None else strand.throw(error)
        except StopIteration:
            return True
        outcome = suspension.inline(lambda exc, strand=strand: resume(strand, exc))  # type: ignore[misc]
        if outcome is MOVED:
            return False
        pool.beats += 1
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


class _Service:
    """A thread of this module that runs ``_run`` from the first time it is needed: one per
    process, whoever needs it first starts it."""

    NAME = ""

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def _wake_up(self) -> None:
        """Start the thread if it is not running yet, and wake it."""
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name=self.NAME, daemon=True)
                    self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        raise NotImplementedError


class Watchdog(_Service):
    """One thread that expires the tickets whose deadline passed. Adding a ticket appends it to
    a deque (no lock, no wake-up while the thread is busy); the thread looks at new tickets at
    least every :attr:`TICK` seconds, so a deadline fires at most that late."""

    NAME = "flowctl-watchdog"
    TICK = 0.05

    def __init__(self) -> None:
        super().__init__()
        self._new: deque[Ticket] = deque()
        self._idle = True

    def add(self, ticket: Ticket) -> None:
        self._new.append(ticket)
        if self._idle:
            self._idle = False
            self._wake_up()

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
class _Pool:
    """The worker threads of one :func:`run_workers` call, as the :class:`Grower` sees them.
    ``beats`` goes up whenever a worker finishes a job or gets a handler call's result back;
    ``more`` is false once a worker found no job left."""

    __slots__ = ("beats", "grow", "idle_looks", "limit", "more", "progressed", "seen", "since", "started")

    def __init__(self, limit: int, grow: Callable[[int], None]) -> None:
        self.limit = limit
        self.started = 1
        self.beats = 0
        self.seen = -1
        self.since = 0.0
        self.idle_looks = 0
        self.more = True
        self.grow = grow
        self.progressed = True
        """Whether the last :meth:`check` found progress (or nothing more to check)."""

    def check(self, now: float, idle: bool) -> bool:
        """Called every :attr:`Grower.TICK`: when no worker made progress and jobs wait, start
        as many workers again (up to ``limit``). False once the pool needs no more checks.

        ``idle`` says the interpreter lock was free for the grower as soon as it woke. Two such
        looks in a row without progress mean the workers wait (for I/O, a sleep, a callback):
        the pool grows. A worker that computes, or waits for the lock behind another thread (a
        garbage collection, the store's writer), makes the grower late: a pool stuck that way
        grows only after :attr:`Grower.BUSY` seconds, as more threads would only take turns."""
        self.progressed = True
        if not self.more or self.started >= self.limit:
            return False
        beats = self.beats
        if beats != self.seen:
            self.seen, self.since, self.idle_looks = beats, now, 0
            return True
        self.progressed = False
        self.idle_looks = self.idle_looks + 1 if idle else 0
        if self.idle_looks < 2 and now - self.since < Grower.BUSY:
            return True
        self.grow(min(self.started, self.limit - self.started))
        self.seen = -1  # the new workers get a fresh look before the next doubling
        return self.started < self.limit


class Grower(_Service):
    """One thread that grows the worker pools whose workers are all stuck (see
    :func:`run_workers`). It runs only while a pool may still grow, and looks at each every
    :attr:`TICK` seconds; while every pool makes progress, the looks grow twice as far apart
    each time, up to :attr:`LONGEST_TICK`, and a look that finds a pool without progress (or a
    new pool) brings them back to :attr:`TICK`.

    (Each look takes the interpreter lock from a worker that computes. Every 5 ms, that was
    ~1,200 of the ~4,000 context switches of a 10,000-item foreach through ``flowctl run``, each
    a hand-over of the lock between threads that may be on two processors; measured with
    ``perf stat`` and the threads' ``/proc`` counts.)"""

    NAME = "flowctl-grower"
    TICK = 0.005
    LONGEST_TICK = 0.05
    BUSY = 0.1

    def __init__(self) -> None:
        super().__init__()
        self._pools: set[_Pool] = set()
        self._added = False
        """A pool was added since the last look (the next look comes after :attr:`TICK`)."""

    @staticmethod
    def _sleep(seconds: float) -> None:
        time.sleep(seconds)

    def add(self, pool: _Pool) -> None:
        self._pools.add(pool)
        self._added = True
        self._wake_up()

    def discard(self, pool: _Pool) -> None:
        self._pools.discard(pool)

    def _run(self) -> None:
        pools = self._pools
        tick = self.TICK
        while True:
            if not pools:
                self._wake.wait()
                self._wake.clear()
                continue
            if self._added:
                self._added, tick = False, self.TICK
            due = time.monotonic() + tick
            self._sleep(tick)
            now = time.monotonic()  # (late when another thread held the interpreter lock)
            idle = now - due < self.TICK / 2
            progressed = True
            for pool in pools.copy():
                if not pool.check(now, idle):
                    pools.discard(pool)
                progressed = progressed and pool.progressed
            tick = min(2 * tick, self.LONGEST_TICK) if progressed else self.TICK


GROWER = Grower()


def run_workers(jobs: Sequence[J], workers: int, start: Callable[[J], StrandGen | None]) -> None:
    """Run ``start(job)`` for each of ``jobs`` on up to ``workers`` threads, each taking the
    next job when done with one, the strand it returns (if any) with its calls inline; return
    once every job is done (their errors are theirs to catch: the first one that escapes a job
    is raised here, and no further job starts).

    One worker starts. While jobs wait and no worker finishes a job or has a handler call
    return (a handler waits for I/O or sleeps, a task waits for its callback, a nested Map or
    a Wait holds its worker), the :class:`Grower` doubles the pool, up to ``workers`` (see
    :meth:`_Pool.check`): jobs that block still run ``workers`` at a time, as Step Functions
    runs them, and quick ones run one after another on one thread, without ten threads taking
    turns at the interpreter lock (issue 14)."""
    queue = iter(jobs)
    lock = threading.Lock()
    errors: list[BaseException] = []
    live = [1]
    all_done = threading.Event()

    def resume(strand: StrandGen, error: BaseException) -> None:
        threading.Thread(target=work, args=(strand, error), name="asl-moved", daemon=True).start()

    def leave(count: int) -> None:
        """``count`` workers are gone (ended, or never started): the last one ends the call."""
        with lock:
            live[0] -= count
            last = live[0] == 0
        if last:
            all_done.set()

    def work(strand: StrandGen | None = None, error: BaseException | None = None) -> None:
        try:
            if strand is not None and not _step(strand, None, error, resume, pool):
                return  # it went on elsewhere: so does this worker's place
            while True:
                # (no lock: a list iterator's next is atomic; the workers do not queue for it)
                job = None if errors else next(queue, None)
                if job is None:
                    pool.more = False
                    break
                strand = start(job)
                if strand is not None and not _step(strand, None, None, resume, pool):
                    return
                pool.beats += 1
        except BaseException as exc:  # raised in the caller once every worker is done
            with lock:
                errors.append(exc)
        leave(1)

    def grow(count: int) -> None:
        with lock:
            if not live[0] or errors:  # done (or failing): no new worker
                return
            live[0] += count
            first = pool.started
            pool.started += count
        for i in range(first, first + count):
            try:
                threading.Thread(target=work, name=f"asl-{i}", daemon=True).start()
            except RuntimeError:  # no thread to be had: the workers already there go on alone
                with lock:
                    pool.started = pool.limit = i
                leave(first + count - i)
                return

    pool = _Pool(workers, grow)
    threading.Thread(target=work, name="asl-0", daemon=True).start()
    if workers > 1 and len(jobs) > 1:
        GROWER.add(pool)
    try:
        all_done.wait()
    finally:
        GROWER.discard(pool)
    if errors:
        raise errors[0]
