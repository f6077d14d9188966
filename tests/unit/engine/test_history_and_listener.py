"""GIVEN an execution WHEN it runs THEN its history has AWS's GetExecutionHistory shape, and the
listener sees every event as it is appended (entered events carry the input, exited the output)."""

from __future__ import annotations

import json

from orchestrator.engine import Engine, VirtualClock
from tests.threads import frequent_switches


def test_history_ids_previous_ids_and_details() -> None:
    seen: list[dict] = []
    d = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"b": 2}, "Next": "B"},
                                    "B": {"Type": "Succeed"}}}
    r = Engine(d, clock=VirtualClock(start=0.0), listener=seen.append).start({"a": 1})
    types = [e["type"] for e in r.history]
    assert types == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "SucceedStateEntered",
                     "SucceedStateExited", "ExecutionSucceeded"]
    assert [e["id"] for e in r.history] == [1, 2, 3, 4, 5, 6]
    assert [e["previousEventId"] for e in r.history] == [0, 1, 2, 3, 4, 5]
    entered, exited = r.history[1], r.history[2]
    assert entered["stateEnteredEventDetails"] == {"name": "A", "input": '{"a":1}', "inputDetails": {"truncated": False}}
    assert json.loads(exited["stateExitedEventDetails"]["output"]) == {"b": 2}
    assert seen == r.history


def test_map_and_task_events() -> None:
    d = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "T", "States": {"T": {
                    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "End": True}}},
                "End": True,
            }
        },
    }
    r = Engine(d, clock=VirtualClock(), mocks={"T": {"payload": "x"}}).start([1])
    assert r.output[0]["Payload"] == "x"
    types = [e["type"] for e in r.history]
    assert types[:6] == ["ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapIterationStarted",
                         "TaskStateEntered", "TaskScheduled"]
    scheduled = r.history[5]["taskScheduledEventDetails"]
    assert scheduled["resourceType"] == "lambda" and scheduled["resource"] == "invoke"
    assert json.loads(scheduled["parameters"]) == {"FunctionName": "f", "Payload": 1}
    assert types[-4:] == ["MapIterationSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    assert r.history[2]["mapStateStartedEventDetails"] == {"length": 1}


def test_failed_execution_event_carries_error_and_cause() -> None:
    d = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}}
    r = Engine(d, clock=VirtualClock()).start({})
    assert r.history[-1] == {**r.history[-1], "type": "ExecutionFailed",
                             "executionFailedEventDetails": {"error": "E", "cause": "C"}}


def _map_of_tasks(concurrency: int) -> dict:
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "MaxConcurrency": concurrency,
                "ResultPath": None,
                "ItemProcessor": {"StartAt": "T", "States": {"T": {
                    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "End": True}}},
                "End": True,
            }
        },
    }


def test_iterations_running_on_threads_at_once_give_dense_ids_in_order() -> None:
    # GIVEN a Map of 3000 items run by 10 threads at once (real clock)
    seen: list[dict] = []
    with frequent_switches():
        r = Engine(_map_of_tasks(10), mocks={"T": {"payload": "x"}}, listener=seen.append).start(list(range(3000)))
    # THEN the history holds every event once, ids 1, 2, 3... in order, each after its predecessor
    assert r.status == "SUCCEEDED"
    assert [e["id"] for e in r.history] == list(range(1, len(r.history) + 1))
    assert all(e["previousEventId"] < e["id"] for e in r.history)
    assert sorted(e["id"] for e in seen) == [e["id"] for e in r.history]
    assert sum(e["type"] == "MapIterationSucceeded" for e in r.history) == 3000


def test_a_standard_execution_past_its_history_limit_fails_with_the_limits_events() -> None:
    # GIVEN a Standard execution allowed 100 history events, and a Map of 300 items on 10 threads
    with frequent_switches():
        r = Engine(_map_of_tasks(10), mocks={"T": {"payload": "x"}}, max_history_events=100).start(list(range(300)))
    # THEN it fails with States.Runtime, and its history is events 1..99 and the failure as 100
    assert (r.status, r.error) == ("FAILED", "States.Runtime")
    assert [e["id"] for e in r.history] == list(range(1, 101))
    assert r.history[-1]["type"] == "ExecutionFailed"
    assert "maximum number of history events (100)" in r.history[-1]["executionFailedEventDetails"]["cause"]


def test_an_express_execution_keeps_its_first_events_and_its_end(monkeypatch) -> None:
    # GIVEN an Express execution that keeps 50 events in memory, and a Map of 100 items on 10 threads
    from orchestrator.engine import execution

    monkeypatch.setattr(execution, "EXPRESS_HISTORY_KEPT", 50)
    with frequent_switches():
        r = Engine(_map_of_tasks(10), mocks={"T": {"payload": "x"}}, state_machine_type="EXPRESS").start(
            list(range(100))
        )
    # THEN it succeeds, and its history is events 1..50 and the end (with the id it had)
    assert r.status == "SUCCEEDED"
    ids = [e["id"] for e in r.history]
    assert ids[:-1] == list(range(1, 51)) and ids[-1] > 50
    assert r.history[-1]["type"] == "ExecutionSucceeded"


def test_the_history_so_far_of_a_running_execution() -> None:
    # GIVEN an execution whose function waits
    import threading

    from orchestrator.engine import RealClock

    waiting, release = threading.Event(), threading.Event()

    def hold(event: dict, context: object) -> dict:
        waiting.set()
        release.wait(5)
        return {}

    d = {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:hold",
                                          "End": True}}}
    engine = Engine(d, clock=RealClock(), handlers={"hold": hold})
    results: list = []
    thread = threading.Thread(target=lambda: results.append(engine.start({}, execution_name="e1")))
    thread.start()
    assert waiting.wait(5)
    # WHEN its history so far is asked for, and once it has ended
    so_far = engine.history_so_far("e1")
    unknown = engine.history_so_far("nope")
    release.set()
    thread.join(5)
    # THEN it holds the events written until the function was called; an execution that is not
    # running has none
    assert [e["type"] for e in so_far] == ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled",
                                           "LambdaFunctionStarted"]
    assert unknown == [] and engine.history_so_far("e1") == []
    assert results[0].status == "SUCCEEDED"
