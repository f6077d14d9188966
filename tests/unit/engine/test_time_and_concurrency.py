"""GIVEN a virtual clock WHEN machines wait, retry and fan out THEN virtual time advances as in
AWS (Parallel/Map take their longest branch, MaxConcurrency queues) and no wall time passes.

No assertion reads the wall clock: "no wall time passes" is shown by the engine never blocking
(every real sleep or wait is recorded), "runs concurrently" by two branches that can only finish
when both are running at once."""

from __future__ import annotations

import threading
import time

import pytest

from orchestrator.engine import Engine, RealClock, VirtualClock, run_state_machine

T0 = 1_700_000_000.0


def duration(result) -> float:
    return result.stop_date - result.start_date


def test_an_hour_long_wait_takes_an_hour_of_virtual_time_and_no_wall_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN every way the engine could block for real (sleep, condition and event waits) recorded
    blocked: list[str] = []
    monkeypatch.setattr(time, "sleep", lambda seconds: blocked.append(f"time.sleep({seconds})"))
    monkeypatch.setattr(threading.Condition, "wait", lambda self, timeout=None: blocked.append(f"Condition.wait({timeout})") or False)
    monkeypatch.setattr(threading.Event, "wait", lambda self, timeout=None: blocked.append(f"Event.wait({timeout})") or False)
    d = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
    # WHEN an hour-long Wait runs on the virtual clock
    r = run_state_machine(d, {}, clock=VirtualClock(start=T0))
    # THEN an hour of virtual time passed and the engine never waited on anything real
    assert r.status == "SUCCEEDED"
    assert duration(r) == 3600
    assert blocked == []


def test_wait_until_a_timestamp_in_the_past_does_not_wait() -> None:
    d = {"StartAt": "W", "States": {"W": {"Type": "Wait", "TimestampPath": "$.t", "End": True}}}
    r = run_state_machine(d, {"t": "2016-03-14T01:59:00Z"}, clock=VirtualClock(start=T0))
    assert duration(r) == 0


def test_execution_timeout_cuts_a_long_wait_and_times_out() -> None:
    d = {
        "TimeoutSeconds": 5,
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}},
    }
    r = run_state_machine(d, {}, clock=VirtualClock(start=T0))
    assert r.status == "TIMED_OUT"
    assert duration(r) == 5
    assert r.history[-1]["type"] == "ExecutionTimedOut"


def test_parallel_branches_run_concurrently_in_virtual_time() -> None:
    d = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 10, "End": True}}},
                    {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 20, "End": True}}},
                ],
                "End": True,
            }
        },
    }
    r = run_state_machine(d, {"x": 1}, clock=VirtualClock(start=T0))
    assert r.output == [{"x": 1}, {"x": 1}]
    assert duration(r) == 20


def test_map_max_concurrency_queues_iterations_in_virtual_time() -> None:
    d = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "MaxConcurrency": 2,
                "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": True}}},
                "End": True,
            }
        },
    }
    r = run_state_machine(d, [1, 2, 3, 4], clock=VirtualClock(start=T0))
    assert r.output == [1, 2, 3, 4]
    assert duration(r) == 20
    unbounded = dict(d)
    unbounded["States"] = {"M": {**d["States"]["M"], "MaxConcurrency": 0}}
    assert duration(run_state_machine(unbounded, [1, 2, 3, 4], clock=VirtualClock(start=T0))) == 10


def test_retry_backs_off_exponentially_with_a_cap() -> None:
    d = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f"},
                "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "BackoffRate": 3,
                           "MaxAttempts": 3, "MaxDelaySeconds": 10}],
                "End": True,
            }
        },
    }
    mocks = {"T": [{"error": "Boom"}, {"error": "Boom"}, {"error": "Boom"}, {"return": "ok"}]}
    r = run_state_machine(d, {}, clock=VirtualClock(start=T0), mocks=mocks)
    assert r.output == "ok"
    assert duration(r) == 2 + 6 + 10  # 2, 2*3, min(2*9, 10)


def test_full_jitter_never_waits_longer_than_the_backoff() -> None:
    d = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets",
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 4, "MaxAttempts": 1,
                           "JitterStrategy": "FULL"}],
                "End": True,
            }
        },
    }
    r = run_state_machine(d, {}, clock=VirtualClock(start=T0), mocks={"T": [{"error": "X"}, {"return": 1}]})
    assert r.output == 1
    assert 0 <= duration(r) <= 4


def test_real_clock_runs_parallel_branches_on_threads() -> None:
    # GIVEN two branches whose task returns only once both tasks are running (a barrier of two;
    # its timeout only keeps a sequential engine from hanging: one branch alone never passes it)
    both_running = threading.Barrier(2, timeout=60)
    threads: list[str] = []

    def meet(event: dict, context: object) -> str:
        threads.append(threading.current_thread().name)
        both_running.wait()
        return event["branch"]

    def branch(name: str) -> dict:
        task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "meet", "Payload": {"branch": name}},
                "OutputPath": "$.Payload", "End": True}
        return {"StartAt": name, "States": {name: task}}

    d = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [branch("A"), branch("B")], "End": True}}}
    # WHEN they run on the real clock
    r = Engine(d, clock=RealClock(), handlers={"meet": meet}).start({})
    # THEN both passed the barrier (they ran at the same time), each on its own thread
    assert r.status == "SUCCEEDED", r.history[-1]
    assert r.output == ["A", "B"]
    assert len(set(threads)) == 2 and threading.current_thread().name not in threads
