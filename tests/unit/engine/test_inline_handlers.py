"""GIVEN Map iterations and Parallel branches on the real clock WHEN their tasks call local
handlers THEN each handler runs on its worker thread (no hand-off to a handler thread and back),
and a task still times out, is retried or caught, or is aborted while its handler goes on, as in
AWS: its strand carries on on another thread and the handler's late result is dropped.

No assertion reads the wall clock. A "held" handler waits for a gate the test opens only once
the execution has ended: if the run ended first, it did not wait for the handler."""

from __future__ import annotations

import threading
from typing import Any

from orchestrator.engine import Engine, RealClock
from orchestrator.engine.cancel import CancelScope, StrandCancelled
from orchestrator.engine.strands import MOVED, Immediate, Ticket, Watchdog, drive, run_workers

HOUR = 3600.0
ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def _map(task: dict[str, Any], concurrency: int = 2, **extra: Any) -> dict[str, Any]:
    return {"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": concurrency, "End": True, **extra,
                                             "ItemProcessor": {"StartAt": "T", "States": {"T": task}}}}}


def _task(name: str, **extra: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": ARN + name, "End": True, **extra}


class Held:
    """A handler that, for the items in ``held``, waits for the gate (an hour at most)."""

    def __init__(self, held: set[int]) -> None:
        self.held = held
        self.gate = threading.Event()
        self.threads: list[str] = []
        self.returned: list[int] = []

    def __call__(self, event: Any, context: Any) -> Any:
        self.threads.append(threading.current_thread().name)
        if event in self.held:
            self.gate.wait(HOUR)
        self.returned.append(event)
        return event


def test_a_map_worker_runs_its_handlers_itself() -> None:
    # GIVEN a Map of 6 items whose task has a timeout (so its handler could be waited for)
    handler = Held(set())
    d = _map(_task("f", TimeoutSeconds=3600), concurrency=3)
    # WHEN it runs on the real clock
    r = Engine(d, clock=RealClock(), handlers={"f": handler}).start(list(range(6)))
    # THEN every handler ran on one of the Map's worker threads, and the results are in order
    assert r.status == "SUCCEEDED"
    assert r.output == list(range(6))
    assert {name.split("-")[0] for name in handler.threads} == {"asl"}


def test_a_task_times_out_while_its_handler_still_runs_and_the_map_goes_on() -> None:
    # GIVEN a Map of 4 items, 2 at a time; item 0's handler is held past its 1 s timeout, which
    # a catcher turns into a value
    handler = Held({0})
    d = _map({"Type": "Task", "Resource": ARN + "f", "TimeoutSeconds": 1, "End": True,
              "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Late"}]})
    d["States"]["M"]["ItemProcessor"]["States"]["Late"] = {"Type": "Pass", "Result": "late", "End": True}
    # WHEN it runs
    r = Engine(d, clock=RealClock(), handlers={"f": handler}).start(list(range(4)))
    # THEN the run ended with the held handler still running: item 0 timed out and was caught,
    # the other items ran (the worker's place was taken over), and the late result is dropped
    assert not handler.gate.is_set() and 0 not in handler.returned
    assert r.status == "SUCCEEDED", r.history[-1]
    assert r.output == ["late", 1, 2, 3]
    assert [e["type"] for e in r.history].count("LambdaFunctionTimedOut") == 1
    handler.gate.set()


def test_a_timed_out_task_is_retried_by_the_thread_that_took_its_strand_over() -> None:
    # GIVEN a Map whose first attempt of item 0 is held past its timeout, and a Retry on it
    calls: list[int] = []
    gate = threading.Event()

    def flaky(event: Any, context: Any) -> Any:
        calls.append(event)
        if event == 0 and calls.count(0) == 1:
            gate.wait(HOUR)
            return "first"
        return f"ok-{event}"

    retry = [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 2}]
    d = _map(_task("f", TimeoutSeconds=1, Retry=retry))
    # WHEN it runs
    r = Engine(d, clock=RealClock(), handlers={"f": flaky}).start([0, 1])
    # THEN the second attempt's result stands, while the first attempt's handler still runs
    assert not gate.is_set()
    assert r.status == "SUCCEEDED", r.history[-1]
    assert r.output == ["ok-0", "ok-1"]
    assert calls.count(0) == 2
    gate.set()


def test_a_failing_sibling_aborts_an_iteration_whose_handler_still_runs() -> None:
    # GIVEN a Map of 2 items at once: item 0's handler is held, item 1's fails
    gate = threading.Event()
    started = threading.Event()

    def handler(event: Any, context: Any) -> Any:
        if event == 0:
            started.set()
            gate.wait(HOUR)
            return event
        started.wait(HOUR)
        raise ValueError("item 1 is broken")

    d = _map(_task("f", TimeoutSeconds=3600))
    # WHEN it runs
    r = Engine(d, clock=RealClock(), handlers={"f": handler}).start([0, 1])
    # THEN the Map failed with item 1's error at once: item 0 was aborted, its handler still held
    assert not gate.is_set()
    assert (r.status, r.error) == ("FAILED", "ValueError")
    assert "MapIterationAborted" in [e["type"] for e in r.history]
    gate.set()


def test_stopping_an_execution_aborts_it_while_a_map_handler_still_runs() -> None:
    # GIVEN a Map whose handler, once running, asks for the execution to be stopped and waits
    gate = threading.Event()
    holder: list[Engine] = []

    def handler(event: Any, context: Any) -> Any:
        threading.Thread(target=holder[0].stop, args=("run", "Stopped", "by test"), daemon=True).start()
        gate.wait(HOUR)
        return event

    engine = Engine(_map(_task("f", TimeoutSeconds=3600)), clock=RealClock(), handlers={"f": handler})
    holder.append(engine)
    # WHEN it runs
    r = engine.start([0, 1], execution_name="run")
    # THEN it was aborted with the handlers still held
    assert not gate.is_set()
    assert (r.status, r.error, r.cause) == ("ABORTED", "Stopped", "by test")
    gate.set()


def test_the_execution_timeout_ends_a_run_whose_map_handler_still_runs() -> None:
    # GIVEN an execution of at most 1 s whose Map handler is held far longer
    handler = Held({0, 1})
    d = {**_map(_task("f", TimeoutSeconds=3600)), "TimeoutSeconds": 1}
    # WHEN it runs
    r = Engine(d, clock=RealClock(), handlers={"f": handler}).start([0, 1])
    # THEN it timed out with the handlers still held
    assert not handler.gate.is_set()
    assert r.status == "TIMED_OUT"
    handler.gate.set()


def test_a_parallel_branch_runs_its_handler_inline_and_catches_its_error() -> None:
    # GIVEN a Parallel whose second branch's handler fails, caught by the Parallel
    def ok(event: Any, context: Any) -> str:
        return threading.current_thread().name

    def broken(event: Any, context: Any) -> str:
        raise RuntimeError("no")

    d = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True,
                                          "Catch": [{"ErrorEquals": ["RuntimeError"], "Next": "C"}],
                                          "Branches": [
                                              {"StartAt": "A", "States": {"A": _task("ok", TimeoutSeconds=60)}},
                                              {"StartAt": "B", "States": {"B": _task("broken", TimeoutSeconds=60)}},
                                          ]},
                                    "C": {"Type": "Pass", "End": True}}}
    # WHEN it runs
    r = Engine(d, clock=RealClock(), handlers={"ok": ok, "broken": broken}).start({})
    # THEN the error was thrown into the branch's strand and caught by the Parallel's catcher
    assert r.status == "SUCCEEDED", r.history[-1]
    assert r.output["Error"] == "RuntimeError"


# ---------------------------------------------------------------- the parts
def test_drive_sends_each_suspensions_result_back() -> None:
    def strand() -> Any:
        first = yield Immediate(1)
        second = yield Immediate(first + 1)
        return [first, second]

    assert drive(strand()) == [1, 2]


def test_a_ticket_is_won_once_by_the_call_or_by_its_expiry() -> None:
    resumed: list[BaseException] = []
    # GIVEN a ticket whose call returned first: its expiry does nothing
    won = Ticket(0.0, lambda: TimeoutError(), CancelScope(), resumed.append)
    assert won.claim()
    won.expire()
    assert resumed == []
    # GIVEN a ticket that expires: the strand resumes once with the error, and the call loses
    lost = Ticket(0.0, lambda: TimeoutError("late"), CancelScope(), resumed.append)
    lost.expire()
    lost.expire()
    assert [str(e) for e in resumed] == ["late"]
    assert not lost.claim()


def test_a_cancelled_scope_expires_its_ticket_with_its_reason() -> None:
    scope = CancelScope()
    resumed: list[BaseException] = []
    ticket = Ticket(HOUR, lambda: TimeoutError(), scope, resumed.append)
    scope.watch(ticket)
    scope.cancel(StrandCancelled())
    assert len(resumed) == 1 and isinstance(resumed[0], StrandCancelled)


def test_the_watchdog_expires_only_tickets_past_their_deadline() -> None:
    watchdog = Watchdog()
    expired = threading.Event()
    resumed: list[str] = []

    def resume(error: BaseException) -> None:
        resumed.append(str(error))
        expired.set()

    later = Ticket(threading.TIMEOUT_MAX, lambda: TimeoutError("later"), CancelScope(), resume)
    now = Ticket(0.0, lambda: TimeoutError("now"), CancelScope(), resume)
    watchdog.add(later)
    watchdog.add(now)
    assert expired.wait(HOUR)
    assert resumed == ["now"]
    assert later.claim()  # still the call's to win


def test_run_workers_moves_a_strand_and_its_worker_place_to_a_new_thread() -> None:
    # GIVEN three jobs on one worker; the first one's call is "left" (resumed elsewhere at once)
    done: list[str] = []

    class Left:
        def blocking(self) -> Any:
            raise AssertionError("not blocking")

        def inline(self, resume: Any) -> Any:
            resume(TimeoutError("moved"))
            return MOVED

    def job(name: str) -> Any:
        if name == "a":
            try:
                yield Left()
            except TimeoutError:
                done.append(f"a on {threading.current_thread().name}")
            return
        done.append(name)
        yield Immediate(None)

    # WHEN they run
    run_workers(["a", "b", "c"], 1, job)
    # THEN job a went on on the new thread with the error, which then ran the other jobs
    assert done == ["a on asl-moved", "b", "c"]


def test_quick_jobs_run_on_one_worker_thread():
    # GIVEN 200 jobs that never block, and room for 10 workers
    seen: list[str] = []

    def job(n: int) -> Any:
        seen.append(threading.current_thread().name)
        yield Immediate(n)

    # WHEN they run
    run_workers(range(200), 10, job)
    # THEN all ran, nearly all on the first worker: another one starts only when every worker
    # is stuck for a whole tick (a busy machine may hold the first one that long)
    assert len(seen) == 200
    assert seen.count("asl-0") >= 150


def test_blocked_workers_grow_the_pool_up_to_its_limit():
    # GIVEN 9 jobs that each wait until 3 of them wait together, and room for 3 workers
    barrier = threading.Barrier(3, timeout=HOUR)
    active, most = [0], [0]
    lock = threading.Lock()

    def job(n: int) -> Any:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        barrier.wait()  # a worker that blocks: another one starts
        with lock:
            active[0] -= 1
        yield Immediate(n)

    # WHEN they run
    run_workers(range(9), 3, job)
    # THEN the pool grew to 3 workers (the barrier let every group through), never beyond
    assert most[0] == 3


def test_handlers_that_block_run_concurrently_in_a_map():
    # GIVEN a Map of 4 items whose handlers each wait for all 4 (as I/O waits): concurrency 4
    barrier = threading.Barrier(4, timeout=HOUR)

    def handler(event: Any, context: Any) -> Any:
        barrier.wait()
        return event

    engine = Engine(_map(_task("f"), concurrency=4), clock=RealClock(), handlers={"f": handler})
    # WHEN it runs
    result = engine.start([1, 2, 3, 4])
    # THEN the four handlers waited together: the workers grew while the first ones blocked
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == [1, 2, 3, 4]


def test_a_pool_doubles_when_its_workers_wait_and_waits_longer_while_the_interpreter_is_busy():
    from orchestrator.engine.strands import Grower, _Pool

    grown: list[int] = []

    def grow(count: int) -> None:
        grown.append(count)
        pool.started += count

    pool = _Pool(5, grow)
    tick, busy = Grower.TICK, Grower.BUSY
    assert 10 * tick < busy
    # GIVEN a pool of one worker that makes no progress after the grower's first look
    assert pool.check(0.0, idle=True)
    # WHEN the grower, waking on time (the interpreter lock free: the worker waits), finds it
    # stuck once, then twice in a row
    assert pool.check(tick, idle=True)
    assert grown == []
    assert pool.check(2 * tick, idle=True)
    # THEN the pool doubles; and doubles again once the new workers are stuck as long
    assert grown == [1]
    pool.check(3 * tick, idle=True)
    pool.check(4 * tick, idle=True)
    pool.check(5 * tick, idle=True)
    assert grown == [1, 2]
    # WHEN a worker makes progress, the pool does not grow
    pool.beats += 1
    pool.check(6 * tick, idle=True)
    assert grown == [1, 2]
    # WHEN the grower wakes late (a thread holds the lock: it computes), a stuck pool does not
    # grow on idle looks that a late one interrupts, only once stuck for BUSY seconds
    for n in range(7, 12):
        pool.check(n * tick, idle=n % 2 == 0)
    assert grown == [1, 2]
    assert not pool.check(6 * tick + 2 * busy, idle=False)  # at its limit: no more checks
    assert grown == [1, 2, 1]
    assert pool.started == 5


def test_the_grower_looks_less_often_while_every_pool_makes_progress():
    from orchestrator.engine.strands import Grower

    # GIVEN a grower and a pool that makes progress at every look but the 7th and the 8th
    looks: list[float] = []
    done = threading.Event()

    class Pool:
        progressed = True

        def check(self, now: float, idle: bool) -> bool:
            self.progressed = len(looks) not in (7, 8)
            if len(looks) >= 12:
                done.set()
                return False  # no more looks needed: the grower lets it go
            return True

    grower = Grower()
    grower._sleep = looks.append  # type: ignore[method-assign]  (no waiting: the intervals asked for)
    # WHEN it looks at the pool until the pool needs no more looks
    grower.add(Pool())  # type: ignore[arg-type]
    assert done.wait(HOUR)
    # THEN the looks grow twice as far apart, up to the longest interval, and come back to
    # the shortest as soon as a look finds no progress
    tick, longest = Grower.TICK, Grower.LONGEST_TICK
    assert looks[:7] == [tick, 2 * tick, 4 * tick, 8 * tick, longest, longest, longest]
    assert looks[7:12] == [tick, tick, 2 * tick, 4 * tick, 8 * tick]


def test_a_pool_s_look_says_whether_it_made_progress():
    from orchestrator.engine.strands import _Pool

    pool = _Pool(4, lambda count: None)
    assert pool.check(0.0, idle=True) and pool.progressed  # (the first look)
    assert pool.check(0.005, idle=True) and not pool.progressed
    pool.beats += 1
    assert pool.check(0.01, idle=True) and pool.progressed
    pool.more = False  # (no job left: nothing more to look at)
    assert not pool.check(0.015, idle=True) and pool.progressed


def test_a_pool_that_cannot_get_another_thread_goes_on_with_its_workers(monkeypatch):
    import orchestrator.engine.strands as strands

    tried = threading.Event()

    class NoMoreThreads(threading.Thread):
        def start(self) -> None:
            if self.name not in ("asl-0", "flowctl-grower"):
                tried.set()
                raise RuntimeError("can't start new thread")
            super().start()

    monkeypatch.setattr(strands.threading, "Thread", NoMoreThreads)
    seen: list[str] = []

    def job(n: int) -> Any:
        if n == 0:
            tried.wait(HOUR)  # stuck until the pool tried to grow
        seen.append(threading.current_thread().name)
        yield Immediate(n)

    # GIVEN a stuck worker WHEN the pool cannot start another thread
    run_workers(range(5), 4, job)
    # THEN its one worker runs every job, and the run ends
    assert tried.is_set()
    assert seen == ["asl-0"] * 5
