"""The threads that run local Lambda handlers under a real clock, reused from call to call.

A handler runs on a thread of its own so that the task can stop waiting for it (its
``TimeoutSeconds``, a stopped execution) while it goes on. Starting a thread per call cost a
foreach of small functions ~40% of its time (issue 14), so :func:`run_in_thread` hands the call
to an idle thread when there is one and starts a thread only when there is none. A thread idle
for :data:`IDLE_SECONDS` ends. A call that never returns keeps its thread, as before: no call
ever waits for another.

Example::

    >>> run_in_thread(lambda: print("in a handler thread"))
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from orchestrator.engine.cancel import Wakeable

__all__ = ["IDLE_SECONDS", "run_in_thread"]

IDLE_SECONDS = 30.0

_calls: queue.SimpleQueue[tuple[Callable[[], None], Wakeable | None]] = queue.SimpleQueue()
_lock = threading.Lock()
_idle = 0
"""Threads waiting for a call and not yet promised one."""


def run_in_thread(call: Callable[[], None], done: Wakeable | None = None) -> None:
    """Run ``call`` (which must not raise) on an idle handler thread, or on a new one, and then
    set ``done``. (The thread is idle again when it sets ``done``: the thread that waited for it
    does not wake only to wait for this one to let go of the interpreter.)"""
    global _idle
    with _lock:
        if _idle:
            _idle -= 1  # that thread is promised this call
            _calls.put((call, done))
            return
    threading.Thread(target=_serve, args=(call, done), name="lambda-handler", daemon=True).start()


def _serve(call: Callable[[], None], done: Wakeable | None) -> None:
    global _idle
    while True:
        call()
        del call  # (the finished call's closures are not kept alive while idle)
        with _lock:
            _idle += 1
        if done is not None:
            done.set()
            done = None
        try:
            call, done = _calls.get(timeout=IDLE_SECONDS)
        except queue.Empty:
            with _lock:
                if _idle:  # nobody was promised this thread: it ends
                    _idle -= 1
                    return
            call, done = _calls.get()  # a call was promised just now: it is on its way
