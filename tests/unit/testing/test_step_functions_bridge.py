"""StepFunctionsBridge: the boto3 ``stepfunctions`` calls flowctl makes, answered the way AWS
answers them, by executions running in the local engine (no AWS, no moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from orchestrator.engine import VirtualClock
from orchestrator.testing import StepFunctionsBridge

EVENTS = Path(__file__).resolve().parents[3] / "events"
ROLE = "arn:aws:iam::123456789012:role/test"


class Functions:
    """Lambda handlers by name, recording their calls."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.calls: list[str] = []
        self.flaky_fails = True

    def park(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.tokens.append(event["token"])
        return {}

    def count(self, event: Any, context: Any) -> dict[str, Any]:
        self.calls.append("count")
        return {"n": len(self.calls)}

    def flaky(self, event: Any, context: Any) -> Any:
        self.calls.append("flaky")
        if self.flaky_fails:
            raise RuntimeError("not yet")
        return event

    def item(self, event: Any, context: Any) -> Any:
        self.calls.append(f"item {event}")
        if event == 2 and self.flaky_fails:
            raise RuntimeError("item 2 not yet")
        return event * 10


@pytest.fixture
def functions() -> Functions:
    return Functions()


@pytest.fixture
def bridge(functions: Functions) -> Iterator[StepFunctionsBridge]:
    sfn = StepFunctionsBridge(
        functions={"park": functions.park, "count": functions.count, "flaky": functions.flaky, "item": functions.item},
        clock=VirtualClock(callback_time_scale=0.01),
    )
    yield sfn
    sfn.shutdown()


def machine(bridge: StepFunctionsBridge, name: str, kind: str, type: str = "STANDARD") -> str:
    definitions: dict[str, dict[str, Any]] = {
        "callback": {
            "StartAt": "Wait",
            "States": {
                "Wait": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {
                        "FunctionName": bridge.lambda_arn("park"),
                        "Payload": {"token.$": "$$.Task.Token"},
                    },
                    "TimeoutSeconds": 3600,
                    "End": True,
                }
            },
        },
        "two-steps": {
            "StartAt": "A",
            "States": {
                "A": {
                    "Type": "Task",
                    "Resource": bridge.lambda_arn("count"),
                    "ResultPath": "$.a",
                    "Next": "B",
                },
                "B": {"Type": "Task", "Resource": bridge.lambda_arn("flaky"), "End": True},
            },
        },
        "round": {
            "StartAt": "B",
            "States": {
                "B": {
                    "Type": "Task",
                    "Resource": bridge.lambda_arn("flaky"),
                    "Parameters": {
                        "round.$": "$$.Execution.RedriveCount",
                        "since.$": "$$.Execution.RedriveTime",
                    },
                    "End": True,
                }
            },
        },
        "map": {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "MaxConcurrency": 1,
                    "ItemProcessor": {"StartAt": "I", "States": {
                        "I": {"Type": "Task", "Resource": bridge.lambda_arn("item"), "End": True}}},
                    "End": True,
                }
            },
        },
        "pass": {
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}},
        },
    }
    created = bridge.create_state_machine(
        name=name, definition=json.dumps(definitions[kind]), roleArn=ROLE, type=type
    )
    return str(created["stateMachineArn"])


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def parked(history: list[dict[str, Any]]) -> bool:
    return any(e["type"] == "TaskSubmitted" for e in history)


def test_standard_start_is_idempotent_for_a_running_execution(
    bridge: StepFunctionsBridge, functions: Functions
) -> None:
    arn = machine(bridge, "wait", "callback")
    first = bridge.start_execution(stateMachineArn=arn, name="run-1", input='{"a": 1}')
    # WHEN the same name and input is started again while it runs
    again = bridge.start_execution(stateMachineArn=arn, name="run-1", input='{"a": 1}')
    # THEN it is the same execution; other input under that name is refused
    assert again == first
    with pytest.raises(ClientError) as other:
        bridge.start_execution(stateMachineArn=arn, name="run-1", input='{"a": 2}')
    assert code(other) == "ExecutionAlreadyExists"
    # AND once it ended (its task token sent back), the name cannot be started again
    assert bridge.wait_until(first["executionArn"], parked)
    bridge.send_task_success(taskToken=functions.tokens[0], output='{"paid": true}')
    assert bridge.wait(first["executionArn"])["output"] == '{"paid":true}'
    with pytest.raises(ClientError) as ended:
        bridge.start_execution(stateMachineArn=arn, name="run-1", input='{"a": 1}')
    assert code(ended) == "ExecutionAlreadyExists"
    assert len(bridge.list_executions(stateMachineArn=arn)["executions"]) == 1


def test_status_events_have_eventbridges_shape(bridge: StepFunctionsBridge) -> None:
    arn = machine(bridge, "ok", "pass")
    started = bridge.start_execution(stateMachineArn=arn, name="run-1", input="{}")
    bridge.wait(started["executionArn"])
    running, succeeded = bridge.take_events()
    sample = json.loads((EVENTS / "tracker-succeeded.json").read_text())
    assert set(succeeded) == set(sample) and set(succeeded["detail"]) == set(sample["detail"])
    assert (running["detail"]["status"], succeeded["detail"]["status"]) == ("RUNNING", "SUCCEEDED")
    assert succeeded["detail-type"] == "Step Functions Execution Status Change"
    assert json.loads(succeeded["detail"]["output"]) == {"ok": True}
    assert succeeded["detail"]["stopDate"] >= succeeded["detail"]["startDate"]
    assert bridge.take_events() == []


def test_express_executions_are_neither_idempotent_nor_described_and_are_logged(
    bridge: StepFunctionsBridge,
) -> None:
    arn = machine(bridge, "fast", "pass", type="EXPRESS")
    first = bridge.start_execution(stateMachineArn=arn, name="run-1", input="{}")
    second = bridge.start_execution(stateMachineArn=arn, name="run-1", input="{}")
    assert first["executionArn"] != second["executionArn"]
    assert ":express:fast:run-1:" in first["executionArn"]
    assert bridge.wait(first["executionArn"])["status"] == "SUCCEEDED"
    bridge.wait(second["executionArn"])
    # no EventBridge status events: the execution records of the log group, as subscription deliveries
    records = [_log_record(event) for event in bridge.take_events()]
    mine = [(r["type"], r["details"].get("output")) for r in records if r["execution_arn"] == first["executionArn"]]
    assert mine == [("ExecutionStarted", None), ("ExecutionSucceeded", '{"ok":true}')]
    with pytest.raises(ClientError) as described:
        bridge.describe_execution(executionArn=first["executionArn"])
    with pytest.raises(ClientError) as listed:
        bridge.list_executions(stateMachineArn=arn)
    assert (code(described), code(listed)) == ("InvalidArn", "StateMachineTypeNotSupported")


def _log_record(event: dict) -> dict:
    import base64
    import gzip
    import json

    data = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    (entry,) = data["logEvents"]
    return dict(json.loads(entry["message"]))


def test_task_callbacks(bridge: StepFunctionsBridge, functions: Functions) -> None:
    arn = machine(bridge, "wait", "callback")
    started = bridge.start_execution(stateMachineArn=arn, name="run-1")
    assert bridge.wait_until(started["executionArn"], parked)
    token = functions.tokens[0]
    with pytest.raises(ClientError) as bad_output:
        bridge.send_task_success(taskToken=token, output="not json")
    assert code(bad_output) == "InvalidOutput"
    bridge.send_task_heartbeat(taskToken=token)
    bridge.send_task_failure(taskToken=token, error="Payment.Declined", cause="card expired")
    described = bridge.wait(started["executionArn"])
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED",
        "Payment.Declined",
        "card expired",
    )
    with pytest.raises(ClientError) as stale:
        bridge.send_task_success(taskToken=token, output="{}")
    assert code(stale) == "TaskDoesNotExist"


def test_stop_aborts_a_running_execution(bridge: StepFunctionsBridge) -> None:
    arn = machine(bridge, "wait", "callback")
    started = bridge.start_execution(stateMachineArn=arn, name="run-1")
    assert bridge.wait_until(started["executionArn"], parked)
    stopped = bridge.stop_execution(
        executionArn=started["executionArn"], error="Cancelled", cause="by a test"
    )
    described = bridge.describe_execution(executionArn=started["executionArn"])
    assert (described["status"], described["error"], described["stopDate"]) == (
        "ABORTED",
        "Cancelled",
        stopped["stopDate"],
    )
    assert [e["detail"]["status"] for e in bridge.take_events()] == ["RUNNING", "ABORTED"]


def test_redrive_reruns_only_what_did_not_succeed(
    bridge: StepFunctionsBridge, functions: Functions
) -> None:
    # GIVEN an execution whose second task failed
    arn = machine(bridge, "steps", "two-steps")
    started = bridge.start_execution(stateMachineArn=arn, name="run-1", input='{"x": 1}')
    failed = bridge.wait(started["executionArn"])
    assert (failed["status"], failed["error"], failed["redriveStatus"]) == (
        "FAILED",
        "RuntimeError",
        "REDRIVABLE",
    )
    # WHEN the cause is fixed and it is redriven
    functions.flaky_fails = False
    bridge.redrive_execution(executionArn=started["executionArn"])
    done = bridge.wait(started["executionArn"])
    # THEN the first task was not run again: its recorded result was used
    assert (done["status"], done["redriveCount"]) == ("SUCCEEDED", 1)
    assert json.loads(done["output"]) == {"x": 1, "a": {"n": 1}}
    assert functions.calls == ["count", "flaky", "flaky"]
    assert [e["detail"]["redriveCount"] for e in bridge.take_events()] == [0, 0, 1, 1]
    # AND a succeeded execution is not redrivable
    with pytest.raises(ClientError) as again:
        bridge.redrive_execution(executionArn=started["executionArn"])
    assert code(again) == "ExecutionNotRedrivable"


def test_redrive_of_a_map_reruns_only_failed_and_not_started_iterations(
    bridge: StepFunctionsBridge, functions: Functions
) -> None:
    # GIVEN a Map whose third of four iterations failed (the fourth never started)
    arn = machine(bridge, "fan", "map")
    started = bridge.start_execution(stateMachineArn=arn, name="run-1", input="[0, 1, 2, 3]")
    assert bridge.wait(started["executionArn"])["status"] == "FAILED"
    assert functions.calls == ["item 0", "item 1", "item 2"]
    # WHEN it is fixed and redriven
    functions.flaky_fails = False
    bridge.redrive_execution(executionArn=started["executionArn"])
    done = bridge.wait(started["executionArn"])
    # THEN only iterations 2 and 3 ran again; 0 and 1 kept their results
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == [0, 10, 20, 30]
    assert functions.calls[3:] == ["item 2", "item 3"]


def test_a_redriven_execution_sees_its_round_in_the_context_object(
    bridge: StepFunctionsBridge, functions: Functions
) -> None:
    # GIVEN an execution whose task reads Execution.RedriveCount and RedriveTime, and failed
    arn = machine(bridge, "rounds", "round")
    started = bridge.start_execution(stateMachineArn=arn, name="run-1")
    assert bridge.wait(started["executionArn"])["status"] == "FAILED"
    # WHEN it is redriven
    functions.flaky_fails = False
    redriven = bridge.redrive_execution(executionArn=started["executionArn"])
    done = bridge.wait(started["executionArn"])
    # THEN the task of the redrive saw round 1 and the time of the redrive (to the millisecond)
    seen = json.loads(done["output"])
    since = datetime.fromisoformat(seen["since"].replace("Z", "+00:00"))
    assert seen["round"] == 1
    assert abs(since - redriven["redriveDate"]) <= timedelta(milliseconds=1)


def test_deployment_and_lookup_errors(bridge: StepFunctionsBridge) -> None:
    arn = machine(bridge, "ok", "pass")
    assert machine(bridge, "ok", "pass") == arn  # the same definition again: the same machine
    cases = {
        "StateMachineAlreadyExists": lambda: machine(bridge, "ok", "callback"),
        "InvalidDefinition": lambda: bridge.create_state_machine(
            name="bad", definition='{"StartAt": "X"}', roleArn=ROLE
        ),
        "StateMachineDoesNotExist": lambda: bridge.start_execution(stateMachineArn=arn + "-gone"),
        "ExecutionDoesNotExist": lambda: bridge.describe_execution(
            executionArn=arn.replace(":stateMachine:", ":execution:") + ":nope"
        ),
        "InvalidName": lambda: bridge.start_execution(stateMachineArn=arn, name="has space"),
        "InvalidExecutionInput": lambda: bridge.start_execution(stateMachineArn=arn, input="{"),
    }
    for expected, call in cases.items():
        with pytest.raises(ClientError) as caught:
            call()
        assert code(caught) == expected
