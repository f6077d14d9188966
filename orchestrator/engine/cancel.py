"""Cancellation of strands: the halts that stop them, cancel scopes, and what a strand waits on.

Contract
--------
* :class:`Halt` and its subclasses stop a strand; Retry/Catch never match them.
* :class:`CancelScope` is a flag with a parent: cancelling a scope cancels every scope below it,
  and wakes exactly the waits inside it (each wait registers its own event with
  :meth:`CancelScope.watch`; nothing else is woken).
* :class:`Signal` is a one-shot event on a bare lock, what a task waits on while its handler runs
  on another thread; anything with ``set``/``is_set``/``wait`` (:class:`Wakeable`, e.g. a
  :class:`threading.Event`) can be waited on.

Example::

    >>> scope = CancelScope(); inner = CancelScope(scope)
    >>> scope.cancel(StrandCancelled()); isinstance(inner.cancelled(), StrandCancelled)
    True
"""

from __future__ import annotations

import contextlib
import threading
from typing import Protocol

__all__ = [
    "CancelScope",
    "ExecutionAborted",
    "ExecutionTimedOut",
    "Halt",
    "HistoryLimitExceeded",
    "Signal",
    "StrandCancelled",
    "Wakeable",
]


class Halt(BaseException):  # noqa: N818 - control flow, not an error a user handles
    """Stops a strand; never matched by Retry/Catch (derives from BaseException on purpose)."""


class ExecutionTimedOut(Halt):
    """The execution-level ``TimeoutSeconds`` elapsed."""


class ExecutionAborted(Halt):
    """``Engine.stop`` was called for the execution."""

    def __init__(self, error: str | None = None, cause: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.cause = cause


class StrandCancelled(Halt):
    """A sibling branch/iteration failed; this strand stops without a result."""


class HistoryLimitExceeded(StrandCancelled):
    """A Standard execution would write more history events than AWS allows (25,000): every
    strand stops, and the execution fails with ``error``/``cause`` (AWS's ``States.Runtime``)."""

    error = "States.Runtime"

    def __init__(self, limit: int) -> None:
        self.cause = f"The execution reached the maximum number of history events ({limit})."
        super().__init__(self.cause)


class CancelScope:
    """A cancellation flag with a parent: cancelling a scope cancels every scope below it.

    ``reason`` is the exception raised by waits inside the scope once cancelled. A waiting
    strand waits on an event of its own (a finished handler wakes only the strand that waits
    for it) and registers it with :meth:`watch`; cancelling a scope sets the watched events of
    the waits in it and below it, so they wake and raise.
    """

    __slots__ = ("_flag", "_watched", "parent", "reason")

    def __init__(self, parent: CancelScope | None = None) -> None:
        self.parent = parent
        self._flag = False
        self.reason: Halt | None = None
        # (scope, event) of every wait in the tree of scopes, shared with the root
        self._watched: _Watched = parent._watched if parent else _Watched()

    def cancel(self, reason: Halt) -> None:
        with self._watched.lock:
            if not self._flag:
                self.reason = reason  # (before the flag: a reader without the lock sees both)
                self._flag = True
        waits = self._watched.waits.copy()
        for scope, event in waits:
            if scope.cancelled() is not None:
                event.set()

    def cancelled(self) -> Halt | None:
        """The reason of the nearest cancelled scope (self or an ancestor), or None."""
        scope: CancelScope | None = self
        while scope is not None:
            if scope._flag:
                return scope.reason
            scope = scope.parent
        return None

    def check(self) -> None:
        reason = self.cancelled()
        if reason is not None:
            raise reason

    def watch(self, event: Wakeable) -> tuple[CancelScope, Wakeable]:
        """Until :meth:`unwatch`, cancelling this scope (or one above it) sets ``event``: a wait
        for it wakes, and its next :meth:`check` raises. (Set only once this scope is
        cancelled: a wait in another part of the tree never sees its event set by it.)"""
        entry = (self, event)
        # No lock: a set's add and discard are atomic, and :meth:`cancel` sets the flag before it
        # copies the set, so a wait added after the copy sees the flag at its next check. (Every
        # task of every strand watches: a lock here made a Map's threads queue behind one another.)
        self._watched.waits.add(entry)
        return entry

    def unwatch(self, entry: tuple[CancelScope, Wakeable]) -> None:
        self._watched.waits.discard(entry)


class Wakeable(Protocol):
    """What a strand can wait for: a :class:`threading.Event`, or a :class:`Signal`."""

    def set(self) -> None: ...

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class Signal:
    """A one-shot event on a bare lock (set once, never cleared): what a task waits for while
    its handler runs on another thread, at a fraction of a :class:`threading.Event`'s cost."""

    __slots__ = ("_flag", "_lock")

    def __init__(self) -> None:
        self._flag = False
        self._lock = threading.Lock()
        self._lock.acquire()

    def set(self) -> None:
        self._flag = True
        with contextlib.suppress(RuntimeError):  # set before (twice, or by a cancellation)
            self._lock.release()

    def is_set(self) -> bool:
        return self._flag

    def wait(self, timeout: float | None = None) -> bool:
        if self._lock.acquire(timeout=-1 if timeout is None else timeout):
            self._lock.release()
        return self._flag


class _Watched:
    """The waits of one tree of cancel scopes."""

    __slots__ = ("lock", "waits")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waits: set[tuple[CancelScope, Wakeable]] = set()
