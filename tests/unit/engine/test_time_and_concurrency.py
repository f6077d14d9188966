"""GIVEN a virtual clock WHEN machines wait, retry and fan out THEN virtual time advances as in
AWS (Parallel/Map take their longest branch, MaxConcurrency queues) and no wall time passes."""

from __future__ import annotations

import time

from orchestrator.engine import Engine, RealClock, VirtualClock, run_state_machine

T0 = 1_700_000_000.0


def duration(result) -> float:
    return result.stop_date - result.start_date


def test_an_hour_long_wait_takes_an_hour_of_virtual_time_and_no_wall_time() -> None:
    d = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
    started = time.monotonic()
    r = run_state_machine(d, {}, clock=VirtualClock(start=T0))
    assert r.status == "SUCCEEDED"
    assert duration(r) == 3600
    assert time.monotonic() - started < 1


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
    d = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 1, "End": True}}},
                    {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 1, "End": True}}},
                ],
                "End": True,
            }
        },
    }
    r = Engine(d, clock=RealClock()).start({})
    assert r.status == "SUCCEEDED"
    assert 1 <= duration(r) < 1.9  # concurrent, not 2 s
