"""Time for the engine: a real clock and a virtual clock, behind one small interface.

Contract
--------
Every *strand* of an execution (the top level, each Parallel branch, each Map iteration) owns a
:class:`Timeline`: ``now()`` in epoch seconds, ``sleep(seconds)`` and ``wait_event(event,
timeout)``. Sleeping never crosses the execution's deadline (execution ``TimeoutSeconds``):
it stops at the deadline and raises :class:`ExecutionTimedOut`. A cancelled strand (``stop()``,
a failed sibling branch) raises :class:`StrandCancelled` from any wait.

* :class:`RealClock` — wall time; sleeps really sleep; concurrent jobs run on threads.
* :class:`VirtualClock` — each timeline has its own cursor that jumps forward on ``sleep``;
  concurrent jobs run one after another, each starting at the virtual time a worker of the
  pool would be free (so a Parallel state takes its longest branch's time, and a Map with
  ``MaxConcurrency`` 2 over four 10 s items takes 20 s). Callback waits (``.waitForTaskToken``)
  wait for another thread in real time; ``callback_time_scale`` real seconds are granted per
  virtual second of their timeout (default 1.0; use e.g. 0.01 in tests).

Example::

    >>> clock = VirtualClock(start=0.0)
    >>> tl = clock.timeline(deadline=None, cancel=CancelScope())
    >>> tl.sleep(3600); tl.now()
    3600.0
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from orchestrator.engine.cancel import (
    CancelScope,
    ExecutionAborted,
    ExecutionTimedOut,
    Halt,
    HistoryLimitExceeded,
    Signal,
    StrandCancelled,
    Wakeable,
)
from orchestrator.engine.strands import StrandGen, drive, run_workers

__all__ = [
    "CancelScope",
    "Clock",
    "ExecutionAborted",
    "ExecutionTimedOut",
    "Halt",
    "HistoryLimitExceeded",
    "StrandCancelled",
    "RealClock",
    "Signal",
    "Timeline",
    "VirtualClock",
]


class Timeline:
    """The time of one strand. Subclasses: real and virtual."""

    __slots__ = ("cancel", "deadline")

    def __init__(self, deadline: float | None, cancel: CancelScope) -> None:
        self.deadline = deadline
        self.cancel = cancel

    def now(self) -> float:
        raise NotImplementedError

    def sleep(self, seconds: float) -> None:
        raise NotImplementedError

    def advance(self, seconds: float) -> None:
        """Account for ``seconds`` of work done (virtual only; real time passes by itself)."""

    def wait_event(self, event: Wakeable, timeout: float | None, start: Callable[[], None] | None = None) -> bool:
        """Wait for ``event`` (set by another thread); False when ``timeout`` elapsed first.
        ``start()``, when given, is called once, as late as possible before the wait blocks: the
        thread that will set ``event`` is woken when this one is about to let it run."""
        raise NotImplementedError

    def fork(self, cancel: CancelScope) -> Timeline:
        raise NotImplementedError

    def join(self, end: float) -> None:
        """Continue at ``end`` (the latest end of the forked timelines)."""

    def check_deadline(self) -> None:
        if self.deadline is not None and self.now() >= self.deadline:
            raise ExecutionTimedOut()


class _RealTimeline(Timeline):
    __slots__ = ()

    # (``time.time`` itself: an execution asks the time for every history event, 14 times per
    # foreach item, and a method of its own would be a Python call each time)
    now = staticmethod(time.time)  # type: ignore[assignment]

    def _wait(self, seconds: float, event: Wakeable, start: Callable[[], None] | None = None) -> bool:
        end = time.time() + max(seconds, 0.0)
        timed_out_execution = False
        if self.deadline is not None and end > self.deadline:
            end, timed_out_execution = self.deadline, True
        cancel = self.cancel
        watching = cancel.watch(event)
        try:
            while True:
                cancel.check()
                if event.is_set():
                    return True
                remaining = end - time.time()
                if remaining <= 0:
                    break
                if start is not None:
                    start()
                    start = None
                event.wait(min(remaining, 0.5))
        finally:
            cancel.unwatch(watching)
            if start is not None:  # cancelled, or out of time, before it blocked: it still starts
                start()
        if timed_out_execution:
            raise ExecutionTimedOut()
        return False

    def sleep(self, seconds: float) -> None:
        self._wait(seconds, Signal())  # set only by a cancellation

    def wait_event(self, event: Wakeable, timeout: float | None, start: Callable[[], None] | None = None) -> bool:
        if timeout is None:
            timeout = 10.0 * 365 * 86400
        return self._wait(timeout, event, start)

    def fork(self, cancel: CancelScope) -> Timeline:
        return _RealTimeline(self.deadline, cancel)


class _VirtualTimeline(Timeline):
    __slots__ = ("clock", "t")

    def __init__(self, clock: VirtualClock, t: float, deadline: float | None, cancel: CancelScope):
        super().__init__(deadline, cancel)
        self.clock = clock
        self.t = t

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.cancel.check()
        if seconds <= 0:
            return
        target = self.t + seconds
        if self.deadline is not None and target > self.deadline:
            self.t = max(self.t, self.deadline)
            raise ExecutionTimedOut()
        self.t = target

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self.t += seconds

    def wait_event(self, event: Wakeable, timeout: float | None, start: Callable[[], None] | None = None) -> bool:
        if start is not None:
            start()
        scale = self.clock.callback_time_scale
        limit = timeout
        if self.deadline is not None:
            left = max(self.deadline - self.t, 0.0)
            limit = left if limit is None else min(limit, left)
        real_limit = None if limit is None else limit * scale
        started = time.monotonic()
        cancel = self.cancel
        watching = cancel.watch(event)
        try:
            while True:
                cancel.check()
                if event.is_set():
                    elapsed = time.monotonic() - started
                    self.t += elapsed / scale if scale > 0 else 0.0
                    return True
                waited = time.monotonic() - started
                if real_limit is not None and waited >= real_limit:
                    break
                step = 0.5 if real_limit is None else min(0.5, real_limit - waited)
                event.wait(max(step, 0.0))
        finally:
            cancel.unwatch(watching)
        assert limit is not None
        self.t += limit
        if self.deadline is not None and self.t >= self.deadline and (
            timeout is None or limit < timeout
        ):
            raise ExecutionTimedOut()
        return False

    def fork(self, cancel: CancelScope) -> Timeline:
        return _VirtualTimeline(self.clock, self.t, self.deadline, cancel)

    def join(self, end: float) -> None:
        if end > self.t:
            self.t = end


Job = Callable[[Timeline], "StrandGen | None"]
"""A Parallel branch or a Map iteration: run at once, or returned as a strand to drive."""


class Clock:
    """Source of time and of concurrency for executions."""

    virtual: bool = False

    def now(self) -> float:
        raise NotImplementedError

    def timeline(self, deadline: float | None, cancel: CancelScope, start: float | None = None) -> Timeline:
        raise NotImplementedError

    def run_concurrently(
        self,
        parent: Timeline,
        jobs: Sequence[Job],
        max_concurrency: int,
        cancel: CancelScope,
        should_stop: Callable[[], bool],
    ) -> None:
        """Run ``jobs`` with at most ``max_concurrency`` at a time (0 = all), each on a timeline
        forked from ``parent``; ``parent`` continues at the latest end. No job starts once
        ``should_stop()`` is true. Exceptions inside jobs are the jobs' business (catch them)."""
        raise NotImplementedError

    def finished(self, end: float) -> None:
        """An execution ended at ``end`` (the virtual clock keeps time monotonic)."""


class RealClock(Clock):
    """Wall-clock time; Parallel branches and Map iterations run on threads."""

    virtual = False

    def __init__(self, max_threads: int = 64) -> None:
        self.max_threads = max_threads

    def now(self) -> float:
        return time.time()

    def timeline(self, deadline: float | None, cancel: CancelScope, start: float | None = None) -> Timeline:
        return _RealTimeline(deadline, cancel)

    def run_concurrently(
        self,
        parent: Timeline,
        jobs: Sequence[Job],
        max_concurrency: int,
        cancel: CancelScope,
        should_stop: Callable[[], bool],
    ) -> None:
        if not jobs:
            return
        workers = len(jobs) if max_concurrency <= 0 else min(max_concurrency, len(jobs))
        workers = max(1, min(workers, self.max_threads))

        def run(job: Job) -> StrandGen | None:
            if should_stop() or cancel.cancelled() is not None:
                return None
            return job(parent.fork(cancel))

        if len(jobs) == 1:  # (on this thread: its handler calls are handed to a handler thread)
            for job in jobs:
                strand = run(job)
                if strand is not None:
                    drive(strand)
            return
        # ``workers`` threads each take the next job when done with one (the caller waits): no
        # future or hand-off per job, and 100,000 Map items are never queued at once. A job's
        # handlers run on its worker thread (see orchestrator.engine.strands).
        run_workers(jobs, workers, run)


class VirtualClock(Clock):
    """Virtual time: Waits, Retry back-off and timeouts take no wall time.

    ``start`` is the virtual time of the first execution (epoch seconds or a datetime; default:
    the wall time when the clock is created). Later executions start where the previous one
    ended, so time never goes backwards.
    """

    virtual = True

    def __init__(self, start: float | datetime | None = None, callback_time_scale: float = 1.0) -> None:
        if isinstance(start, datetime):
            start = start.timestamp()
        self._now = time.time() if start is None else float(start)
        self.callback_time_scale = callback_time_scale
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def timeline(self, deadline: float | None, cancel: CancelScope, start: float | None = None) -> Timeline:
        return _VirtualTimeline(self, self._now if start is None else start, deadline, cancel)

    def finished(self, end: float) -> None:
        with self._lock:
            if end > self._now:
                self._now = end

    def run_concurrently(
        self,
        parent: Timeline,
        jobs: Sequence[Job],
        max_concurrency: int,
        cancel: CancelScope,
        should_stop: Callable[[], bool],
    ) -> None:
        start = parent.now()
        end = start
        limit = len(jobs) if max_concurrency <= 0 else max_concurrency
        free: list[float] = []  # heap of the times at which busy workers become free
        for job in jobs:
            if should_stop() or cancel.cancelled() is not None:
                break
            at = start if len(free) < limit else heapq.heappop(free)
            timeline = _VirtualTimeline(self, at, parent.deadline, cancel)
            try:
                strand = job(timeline)
                if strand is not None:
                    drive(strand)
            finally:
                heapq.heappush(free, timeline.t)
                if timeline.t > end:
                    end = timeline.t
        parent.join(end)
