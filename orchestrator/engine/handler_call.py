"""A Task's call of a local Lambda handler: what its strand suspends on.

Contract
--------
:class:`HandlerCall` runs a handler within the task's ``TimeoutSeconds`` (``States.Timeout``)
and the function's own timeout (``Sandbox.Timedout``), whichever ends first, and within the
execution's deadline (``ExecutionTimedOut``); a cancelled strand stops waiting with its cancel
reason. In every case the handler itself goes on until it returns, as a Lambda invocation does
when Step Functions stops waiting for it; its late result is dropped. Two ways to run it (see
:mod:`orchestrator.engine.strands`):

* :meth:`HandlerCall.blocking` — the handler runs on a handler thread and this thread waits
  (inline when there is no limit to watch, or under a virtual clock).
* :meth:`HandlerCall.inline` — the handler runs on this thread; a watchdog ticket moves the
  strand to another thread at the deadline or on cancellation.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from orchestrator.engine.cancel import ExecutionTimedOut, Signal
from orchestrator.engine.clock import Timeline
from orchestrator.engine.errors import StatesError
from orchestrator.engine.handler_threads import run_in_thread
from orchestrator.engine.lambda_local import LambdaContext, invoke_handler, lambda_timed_out
from orchestrator.engine.strands import MOVED, WATCHDOG, Outcome, Resume, Ticket

__all__ = ["HandlerCall"]


class HandlerCall:
    """One call of a local handler by a Task attempt. ``timeout`` is the task's
    ``TimeoutSeconds``, ``own_timeout`` the function's; ``finish`` makes the task's result of
    the handler's payload."""

    __slots__ = ("context", "event", "finish", "handler", "limit", "own_timeout", "timeline", "timeout", "virtual")

    def __init__(self, handler: Any, event: Any, context: LambdaContext, timeout: float | None,
                 own_timeout: float | None, timeline: Timeline, virtual: bool, finish: Any) -> None:
        self.handler = handler
        self.event = event
        self.context = context
        self.timeout = timeout
        self.own_timeout = own_timeout
        self.timeline = timeline
        self.virtual = virtual
        self.finish = finish
        self.limit = (
            timeout if own_timeout is None or (timeout is not None and timeout <= own_timeout) else own_timeout
        )

    def expired(self) -> StatesError:
        """The error of a handler that outlived the limit."""
        own, timeout = self.own_timeout, self.timeout
        if own is not None and self.limit == own and (timeout is None or own < timeout):
            return lambda_timed_out(self.context, own)
        return StatesError("States.Timeout", None)

    def _call(self) -> Any:
        return invoke_handler(self.handler, self.event, self.context)

    def _call_and_drop(self) -> None:
        with contextlib.suppress(BaseException):  # nobody waits for this call any more
            self._call()

    # -- blocking --------------------------------------------------------------------------
    def blocking(self) -> Any:
        limit, timeline = self.limit, self.timeline
        if limit is None or self.virtual:
            started = time.monotonic()
            result = self._call()
            elapsed = time.monotonic() - started
            if limit is not None and elapsed > limit:
                timeline.advance(limit)
                raise self.expired()
            timeline.advance(elapsed)
            return self.finish(result)
        box: dict[str, Any] = {}
        done = Signal()

        def work() -> None:
            try:
                box["result"] = self._call()
            except BaseException as exc:  # handed back to the waiting thread
                box["error"] = exc

        # The handler starts once this thread is about to wait for it (see Timeline.wait_event).
        if not timeline.wait_event(done, limit, start=lambda: run_in_thread(work, done)):
            raise self.expired()
        if "error" in box:
            raise box["error"]
        return self.finish(box["result"])

    # -- inline ----------------------------------------------------------------------------
    def inline(self, resume: Resume) -> Outcome | Any:
        limit, timeline = self.limit, self.timeline
        if limit is None or self.virtual:
            try:
                return self.blocking(), None
            except BaseException as exc:  # thrown into the strand
                return None, exc
        now = time.time()
        deadline = now + limit
        error: Callable[[], BaseException] = self.expired
        if timeline.deadline is not None and timeline.deadline <= deadline:
            deadline, error = timeline.deadline, ExecutionTimedOut
        cancel = timeline.cancel
        ticket = Ticket(deadline, error, cancel, resume)
        watching = cancel.watch(ticket)
        reason = cancel.cancelled()
        if reason is not None or deadline <= now:
            # As a wait does: the handler still starts (elsewhere), and the strand stops now.
            cancel.unwatch(watching)
            run_in_thread(self._call_and_drop)
            return None, reason if reason is not None else error()
        WATCHDOG.add(ticket)
        try:
            outcome: Outcome = (self.finish(self._call()), None)
        except BaseException as exc:  # thrown into the strand
            outcome = (None, exc)
        cancel.unwatch(watching)
        if not ticket.claim():
            return MOVED  # the strand went on elsewhere: this result is dropped
        ticket.release_refs()
        return outcome
