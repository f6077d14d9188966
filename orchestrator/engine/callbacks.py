"""Task tokens of ``.waitForTaskToken`` tasks, and the callbacks that complete them.

Contract
--------
``TokenRegistry.register()`` creates a token and its :class:`Waiter`; ``success``/``failure``/
``heartbeat`` may be called from any thread (AWS's SendTaskSuccess/Failure/Heartbeat) and raise
``UnknownTaskTokenError`` for a token no task waits for (never issued, already completed, or
timed out). The waiting task calls ``Waiter.wait(timeline, timeout, heartbeat)`` which returns
the output, or raises ``StatesError`` (the failure sent, ``States.Timeout``,
``States.HeartbeatTimeout``).
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from orchestrator.engine.clock import Timeline
from orchestrator.engine.errors import StatesError, UnknownTaskTokenError

__all__ = ["TokenRegistry", "Waiter"]


class Waiter:
    """The pending outcome of one callback task."""

    __slots__ = ("_beats", "_event", "_lock", "_outcome", "token")

    def __init__(self, token: str) -> None:
        self.token = token
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._outcome: tuple[str, Any, Any] | None = None
        self._beats = 0

    def _complete(self, outcome: tuple[str, Any, Any]) -> None:
        with self._lock:
            if self._outcome is None:
                self._outcome = outcome
        self._event.set()

    def _beat(self) -> None:
        with self._lock:
            self._beats += 1
        self._event.set()

    def wait(self, timeline: Timeline, timeout: float | None, heartbeat: float | None) -> Any:
        started = timeline.now()
        window_start = started
        while True:
            limits = []
            if timeout is not None:
                limits.append(started + timeout - timeline.now())
            if heartbeat is not None:
                limits.append(window_start + heartbeat - timeline.now())
            limit = max(min(limits), 0.0) if limits else None
            beats_before = self._beats
            arrived = timeline.wait_event(self._event, limit)
            with self._lock:
                outcome = self._outcome
                beats = self._beats
                if outcome is None:
                    self._event.clear()
            if outcome is not None:
                kind, first, second = outcome
                if kind == "success":
                    return first
                raise StatesError(first, second)
            if arrived and beats != beats_before:
                window_start = timeline.now()
                continue
            now = timeline.now()
            if timeout is not None and now >= started + timeout - 1e-9:
                raise StatesError("States.Timeout", None)
            if heartbeat is not None and now >= window_start + heartbeat - 1e-9:
                raise StatesError("States.HeartbeatTimeout", None)


class TokenRegistry:
    """All task tokens of an engine."""

    def __init__(self) -> None:
        self._waiters: dict[str, Waiter] = {}
        self._lock = threading.Lock()

    def register(self) -> Waiter:
        token = uuid.uuid4().hex + uuid.uuid4().hex
        waiter = Waiter(token)
        with self._lock:
            self._waiters[token] = waiter
        return waiter

    def release(self, token: str) -> None:
        with self._lock:
            self._waiters.pop(token, None)

    def _get(self, token: str) -> Waiter:
        with self._lock:
            waiter = self._waiters.get(token)
        if waiter is None:
            raise UnknownTaskTokenError(f"Task Token does not exist or has been completed: {token!r}")
        return waiter

    def success(self, token: str, output: Any) -> None:
        waiter = self._get(token)
        self.release(token)
        waiter._complete(("success", output, None))

    def failure(self, token: str, error: str | None = None, cause: str | None = None) -> None:
        waiter = self._get(token)
        self.release(token)
        waiter._complete(("failure", error, cause))

    def heartbeat(self, token: str) -> None:
        self._get(token)._beat()
