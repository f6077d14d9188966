"""GIVEN strands on the real clock WHEN a cancel scope is cancelled THEN exactly the waits inside
it wake and raise (a wait elsewhere in the tree keeps waiting for its own event); WHEN a Map runs
THEN its iterations run MaxConcurrency at a time on worker threads.

No assertion reads the wall clock: every wait here would last an hour unless woken."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from orchestrator.engine import Engine, RealClock
from orchestrator.engine.clock import CancelScope, Signal, StrandCancelled

HOUR = 3600.0


def _wait_in_thread(call: Any) -> tuple[threading.Thread, dict[str, Any]]:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def test_cancelling_a_scope_wakes_the_waits_inside_it_and_not_those_beside_it() -> None:
    # GIVEN a root scope with two child scopes, a strand waiting for an event in each
    root = CancelScope()
    left, right = CancelScope(root), CancelScope(root)
    clock = RealClock()
    left_event, right_event = threading.Event(), threading.Event()
    left_thread, left_box = _wait_in_thread(lambda: clock.timeline(None, left).wait_event(left_event, HOUR))
    right_thread, right_box = _wait_in_thread(lambda: clock.timeline(None, right).wait_event(right_event, HOUR))
    while len(root._watched.waits) < 2:  # both are waiting
        threading.Event().wait(0.001)
    # WHEN the left scope is cancelled
    left.cancel(StrandCancelled())
    left_thread.join(HOUR)
    # THEN the left wait raised the scope's reason, the right one still waits for its event
    assert isinstance(left_box.get("error"), StrandCancelled)
    assert right_thread.is_alive() and not right_event.is_set()
    right_event.set()
    right_thread.join(HOUR)
    assert right_box == {"result": True}
    assert root._watched.waits == set()


def test_cancelling_the_root_wakes_a_real_sleep_below_it() -> None:
    # GIVEN a strand sleeping an hour in a grandchild scope
    root = CancelScope()
    inner = CancelScope(CancelScope(root))
    thread, box = _wait_in_thread(lambda: RealClock().timeline(None, inner).sleep(HOUR))
    while not root._watched.waits:
        threading.Event().wait(0.001)
    # WHEN the root is cancelled
    root.cancel(StrandCancelled())
    thread.join(HOUR)
    # THEN the sleep ended with the cancellation
    assert isinstance(box.get("error"), StrandCancelled)


@pytest.mark.parametrize("finished_first", [True, False])
def test_a_handler_that_finishes_wakes_only_its_own_task(finished_first: bool) -> None:
    # GIVEN a Parallel of two local handlers with timeouts (each runs on its branch's thread),
    # the first one held until the second has finished
    gate = threading.Event()

    def held(event: Any, context: Any) -> str:
        gate.wait(HOUR)
        return "held"

    def quick(event: Any, context: Any) -> str:
        gate.set()
        return "quick"

    first, second = (held, quick) if finished_first else (quick, held)
    task = {"Type": "Task", "TimeoutSeconds": 3600, "End": True}
    d = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A", "States": {"A": {**task, "Resource": "arn:aws:lambda:us-east-1:123456789012:function:a"}}},
        {"StartAt": "B", "States": {"B": {**task, "Resource": "arn:aws:lambda:us-east-1:123456789012:function:b"}}},
    ]}}}
    # WHEN it runs on the real clock
    r = Engine(d, clock=RealClock(), handlers={"a": first, "b": second}).start({})
    # THEN both results arrive, each to its own branch
    assert r.status == "SUCCEEDED"
    assert r.output == ([first.__name__, second.__name__])


def test_a_real_clock_map_runs_max_concurrency_iterations_at_a_time() -> None:
    # GIVEN a Map of 7 items, MaxConcurrency 2, whose task passes only when two tasks run at
    # once (a barrier of two; the odd last item meets a barrier of one)
    pairs = threading.Barrier(2, timeout=60)
    lock = threading.Lock()
    running: list[int] = [0]
    peak: list[int] = [0]

    def meet(event: Any, context: Any) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        if event < 6:
            pairs.wait()
        with lock:
            running[0] -= 1
        return event

    task = {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:meet", "End": True}
    d = {"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 2, "End": True,
                                          "ItemProcessor": {"StartAt": "T", "States": {"T": task}}}}}
    # WHEN it runs on the real clock
    r = Engine(d, clock=RealClock(), handlers={"meet": meet}).start(list(range(7)))
    # THEN every pair met (two ran at once), never more than two ran, results in item order
    assert r.status == "SUCCEEDED", r.history[-1]
    assert r.output == list(range(7))
    assert peak[0] == 2


def test_a_signal_is_set_once_and_wakes_its_waiter() -> None:
    # GIVEN a signal a thread waits for (an hour at most)
    signal = Signal()
    assert not signal.is_set() and signal.wait(0) is False
    thread, box = _wait_in_thread(lambda: signal.wait(HOUR))
    # WHEN it is set, twice (a handler finished, and a cancellation came)
    signal.set()
    signal.set()
    thread.join(HOUR)
    # THEN the waiter woke with it set, and it stays set
    assert box == {"result": True}
    assert signal.is_set() and signal.wait(0) is True


def test_a_wait_starts_its_work_once_just_before_it_blocks() -> None:
    # GIVEN work that sets the event a real-clock wait waits for, started by the wait itself
    event = Signal()
    started: list[int] = []

    def start() -> None:
        started.append(len(scope._watched.waits))
        threading.Thread(target=event.set, daemon=True).start()

    scope = CancelScope()
    timeline = RealClock().timeline(None, scope)
    # WHEN the wait runs
    arrived = timeline.wait_event(event, HOUR, start=start)
    # THEN the work was started once, when the wait was already watching for a cancellation,
    # and the wait saw its event
    assert arrived is True and started == [1]
    assert scope._watched.waits == set()


def test_a_cancelled_wait_still_starts_its_work() -> None:
    # GIVEN a scope already cancelled (a sibling failed as the task was scheduled)
    scope = CancelScope()
    scope.cancel(StrandCancelled())
    started: list[bool] = []
    # WHEN a wait with work to start begins in it
    with pytest.raises(StrandCancelled):
        RealClock().timeline(None, scope).wait_event(Signal(), HOUR, start=lambda: started.append(True))
    # THEN the work started all the same (as a handler already handed over would run), once
    assert started == [True]


def test_a_handler_thread_is_idle_again_when_it_signals_its_waiter() -> None:
    # GIVEN a call handed to a handler thread with the signal its waiter waits for
    from orchestrator.engine import handler_threads

    seen: list[int] = []

    class Probe(Signal):
        __slots__ = ()

        def set(self) -> None:
            seen.append(handler_threads._idle)
            super().set()

    done = Probe()
    idle_before = handler_threads._idle
    # WHEN it has run the call
    handler_threads.run_in_thread(lambda: None, done)
    assert done.wait(HOUR)
    # THEN when it woke the waiter it was counted idle already (a thread that was idle before
    # was promised this call and is idle again; a new thread is the one idle thread more)
    assert seen == [idle_before if idle_before else 1]
