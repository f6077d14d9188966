"""GIVEN an execution WHEN it runs THEN its history has AWS's GetExecutionHistory shape, and the
listener sees every event as it is appended (entered events carry the input, exited the output)."""

from __future__ import annotations

import json

from orchestrator.engine import Engine, VirtualClock


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
