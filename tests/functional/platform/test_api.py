"""The API function: every route, through API Gateway REST proxy events, on moto."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from orchestrator.service import Platform
from orchestrator.store import Step

RUN_ID = "9f1c2a4e-5b7d-4e0a-8c3f-2d6b1e9a7c50"


def call(api, event: dict[str, Any], context) -> tuple[int, Any]:
    answer = api.lambda_handler(event, context)
    return answer["statusCode"], json.loads(answer["body"]) if answer.get("body") else None


def start_event(load_event, *, key: str | None = None, body: Any = None) -> dict[str, Any]:
    event = load_event("api-start-run.json")
    if key is None:
        event["headers"].pop("Idempotency-Key")
        event["multiValueHeaders"].pop("Idempotency-Key")
    else:
        event["headers"]["Idempotency-Key"] = key
        event["multiValueHeaders"]["Idempotency-Key"] = [key]
    if body is not None:
        event["body"] = json.dumps(body)
    return event


def with_path(event: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    event["path"] = event["path"].replace(old, new)
    event["pathParameters"] = {k: v.replace(old, new) for k, v in event["pathParameters"].items()}
    return event


# ---------------------------------------------------------------- flows
def test_list_flows_shows_params_and_deployment(handler, load_event, lambda_context):
    status, body = call(handler("api"), load_event("api-list-flows.json"), lambda_context)
    assert status == 200
    [flow] = body["flows"]
    assert (flow["name"], flow["version"], flow["deployed"]) == ("kyc-check", 3, True)
    assert flow["params"]["user_id"] == {
        "type": "string",
        "required": True,
        "description": "The user to check.",
    }
    assert flow["params"]["threshold"] == {"type": "number", "required": False, "default": 0.8}


def test_get_flow_describes_its_nodes(handler, load_event, lambda_context):
    status, body = call(handler("api"), load_event("api-get-flow.json"), lambda_context)
    assert status == 200
    assert body["nodes"]["face-detect"] == {
        "kind": "uses",
        "after": ["get-image"],
        "description": "",
    }


def test_unknown_flow_is_404_with_a_hint(handler, load_event, lambda_context):
    event = with_path(load_event("api-get-flow.json"), "kyc-check", "kyc-chek")
    status, body = call(handler("api"), event, lambda_context)
    assert status == 404
    assert body["problems"] == [
        {"where": "/flows/kyc-chek", "message": "no such flow", "hint": "known flows: kyc-check"}
    ]


# ---------------------------------------------------------------- start
def test_start_run_starts_an_execution_named_by_the_idempotency_key(
    handler, aws, load_event, lambda_context
):
    # WHEN a client starts kyc-check with an Idempotency-Key
    status, body = call(handler("api"), load_event("api-start-run.json"), lambda_context)
    # THEN a run named by the key is RUNNING, with its execution started on the state machine
    assert status == 201 and body["created"]
    run = body["run"]
    assert (run["run_id"], run["flow"], run["version"], run["status"], run["trigger"]) == (
        RUN_ID,
        "kyc-check",
        3,
        "RUNNING",
        "api",
    )
    execution = aws["sfn"].describe_execution(executionArn=run["execution_arn"])
    assert execution["name"] == RUN_ID
    assert json.loads(execution["input"]) == {"user_id": "u-1001", "threshold": 0.9}


def test_repeated_start_with_one_key_gives_one_run(handler, aws, load_event, lambda_context):
    # GIVEN a run started with an Idempotency-Key
    api = handler("api")
    first_status, first = call(api, load_event("api-start-run.json"), lambda_context)
    # WHEN the client retries the same request
    again_status, again = call(api, load_event("api-start-run.json"), lambda_context)
    # THEN it gets the same run back (200, not created), and there is one execution
    assert (first_status, again_status) == (201, 200)
    assert again["run"]["run_id"] == first["run"]["run_id"] and not again["created"]
    executions = aws["sfn"].list_executions(stateMachineArn=aws["state_machine_arn"])["executions"]
    assert len(executions) == 1
    assert len(aws["store"].list_runs("kyc-check").runs) == 1


def test_same_key_with_other_params_is_a_conflict(handler, load_event, lambda_context):
    api = handler("api")
    call(api, load_event("api-start-run.json"), lambda_context)
    status, body = call(
        api, start_event(load_event, key=RUN_ID, body={"user_id": "someone-else"}), lambda_context
    )
    assert status == 409
    assert body["problems"][0]["where"] == "/headers/Idempotency-Key"


def test_key_of_an_execution_whose_response_was_lost_returns_that_execution(
    handler, aws, load_event, lambda_context
):
    # GIVEN an execution named by the key exists (and has stopped) but flowctl has no run record
    arn = aws["sfn"].start_execution(
        stateMachineArn=aws["state_machine_arn"],
        name="lost-1",
        input=json.dumps(
            {"threshold": 0.9, "user_id": "u-1001"}, separators=(",", ":"), sort_keys=True
        ),
    )["executionArn"]
    aws["sfn"].stop_execution(executionArn=arn)
    # WHEN the client retries with that key (Step Functions answers ExecutionAlreadyExists)
    status, body = call(handler("api"), start_event(load_event, key="lost-1"), lambda_context)
    # THEN the existing execution is adopted, never a second one
    assert status == 201
    assert body["run"]["execution_arn"] == arn
    assert body["run"]["status"] == "ABORTED"
    assert (
        len(aws["sfn"].list_executions(stateMachineArn=aws["state_machine_arn"])["executions"]) == 1
    )


def test_invalid_params_are_400_listing_each_problem(handler, load_event, lambda_context):
    status, body = call(
        handler("api"), load_event("api-start-run-invalid-params.json"), lambda_context
    )
    assert status == 400
    wheres = sorted(p["where"] for p in body["problems"])
    assert wheres == ["/params/threshold", "/params/user_id", "/params/usr_id"]
    unknown = next(p for p in body["problems"] if p["where"] == "/params/usr_id")
    assert "unknown parameter" in unknown["message"] and "user_id" in unknown["hint"]


def test_malformed_json_is_400(handler, load_event, lambda_context):
    status, body = call(
        handler("api"), load_event("api-start-run-malformed-json.json"), lambda_context
    )
    assert status == 400
    assert body["problems"][0]["where"] == "/body"
    assert "malformed JSON" in body["problems"][0]["message"]


def test_a_bad_idempotency_key_is_400(handler, load_event, lambda_context):
    status, body = call(
        handler("api"), start_event(load_event, key="has spaces/and#hash"), lambda_context
    )
    assert status == 400 and body["problems"][0]["where"] == "/headers/Idempotency-Key"


def test_starting_an_unknown_flow_is_404(handler, load_event, lambda_context):
    event = with_path(start_event(load_event), "kyc-check", "nope")
    assert call(handler("api"), event, lambda_context)[0] == 404


def test_a_flow_without_state_machine_is_503(handler, aws, load_event, lambda_context, monkeypatch):
    monkeypatch.setenv("FLOWCTL_STATE_MACHINES", "{}")
    status, body = call(handler("api"), start_event(load_event), lambda_context)
    assert status == 503 and "FLOWCTL_STATE_MACHINES" in body["problems"][0]["message"]


# ---------------------------------------------------------------- read
def test_list_runs_is_paginated_newest_first(handler, load_event, lambda_context):
    api = handler("api")
    started = [
        call(api, start_event(load_event, key=f"run-{n}"), lambda_context)[1]["run"]["run_id"]
        for n in range(3)
    ]
    event = load_event("api-list-runs.json")
    event["queryStringParameters"] = {"limit": "2"}
    event["multiValueQueryStringParameters"] = {"limit": ["2"]}
    status, page1 = call(api, event, lambda_context)
    assert status == 200 and len(page1["runs"]) == 2 and page1["next_token"]
    event["queryStringParameters"]["next_token"] = page1["next_token"]
    event["multiValueQueryStringParameters"]["next_token"] = [page1["next_token"]]
    _, page2 = call(api, event, lambda_context)
    assert page2["next_token"] is None
    assert sorted(r["run_id"] for r in page1["runs"] + page2["runs"]) == sorted(started)


def test_list_runs_rejects_a_bad_limit_and_token(handler, load_event, lambda_context):
    api = handler("api")
    event = load_event("api-list-runs.json")
    event["queryStringParameters"] = {"limit": "0"}
    event["multiValueQueryStringParameters"] = {"limit": ["0"]}
    status, body = call(api, event, lambda_context)
    assert status == 400 and body["problems"][0]["where"] == "/query/limit"
    event["queryStringParameters"] = {"next_token": "garbage"}
    event["multiValueQueryStringParameters"] = {"next_token": ["garbage"]}
    assert call(api, event, lambda_context)[0] == 400


def test_get_run_shows_its_steps(handler, aws, load_event, lambda_context):
    api = handler("api")
    call(api, load_event("api-start-run.json"), lambda_context)
    aws["store"].record_step(
        Step(
            RUN_ID,
            "face-detect",
            "SUCCEEDED",
            started_at="2026-11-02T08:00:01.000Z",
            output={"faces": 1},
        )
    )
    status, body = call(api, load_event("api-get-run.json"), lambda_context)
    assert status == 200
    assert body["run"]["input"] == {"user_id": "u-1001", "threshold": 0.9}
    assert [(s["node"], s["status"], s["output"]) for s in body["run"]["steps"]] == [
        ("face-detect", "SUCCEEDED", {"faces": 1})
    ]


def test_unknown_run_is_404(handler, load_event, lambda_context):
    status, body = call(handler("api"), load_event("api-get-run.json"), lambda_context)
    assert status == 404 and body["problems"][0]["where"] == f"/runs/{RUN_ID}"


# ---------------------------------------------------------------- control
def test_cancel_stops_the_execution(handler, aws, load_event, lambda_context):
    api = handler("api")
    call(api, load_event("api-start-run.json"), lambda_context)
    status, body = call(api, load_event("api-cancel-run.json"), lambda_context)
    assert status == 200 and body["run"]["status"] == "ABORTED"
    execution = aws["sfn"].describe_execution(executionArn=body["run"]["execution_arn"])
    assert execution["status"] == "ABORTED"
    # cancelling again is a conflict; an unknown run is 404
    assert call(api, load_event("api-cancel-run.json"), lambda_context)[0] == 409
    assert (
        call(api, with_path(load_event("api-cancel-run.json"), RUN_ID, "nope"), lambda_context)[0]
        == 404
    )


class RedriveStub:
    """moto 5.2.5 has no RedriveExecution: this stub answers it, and delegates the rest to moto."""

    def __init__(self, sfn: Any, not_redrivable: bool = False) -> None:
        self.sfn, self.not_redrivable, self.redriven = sfn, not_redrivable, []

    def redrive_execution(self, **kwargs: Any) -> dict[str, Any]:
        if self.not_redrivable:
            raise ClientError(
                {"Error": {"Code": "ExecutionNotRedrivable", "Message": "too old"}},
                "RedriveExecution",
            )
        self.redriven.append(kwargs)
        return {"redriveDate": "2026-11-02T08:10:00Z"}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sfn, name)


def test_redrive_restarts_a_failed_run(handler, aws, load_event, lambda_context):
    # GIVEN a failed run
    stub = RedriveStub(aws["sfn"])
    api = handler("api", sfn=stub)
    call(api, load_event("api-start-run.json"), lambda_context)
    handler("tracker").lambda_handler(load_event("tracker-failed.json"), lambda_context)
    # WHEN it is redriven
    status, body = call(api, load_event("api-redrive-run.json"), lambda_context)
    # THEN RedriveExecution was called for its execution and the run is RUNNING again
    assert status == 200
    assert (body["run"]["status"], body["run"]["redrive_count"], body["run"]["error"]) == (
        "RUNNING",
        1,
        None,
    )
    assert stub.redriven == [{"executionArn": body["run"]["execution_arn"]}]


def test_redrive_refuses_running_and_unredrivable_runs(handler, aws, load_event, lambda_context):
    api = handler("api", sfn=RedriveStub(aws["sfn"], not_redrivable=True))
    call(api, load_event("api-start-run.json"), lambda_context)
    status, body = call(api, load_event("api-redrive-run.json"), lambda_context)
    assert status == 409 and "RUNNING" in body["message"]
    handler("tracker").lambda_handler(load_event("tracker-failed.json"), lambda_context)
    status, body = call(api, load_event("api-redrive-run.json"), lambda_context)
    assert status == 409 and body["problems"][0]["message"] == "too old"


@pytest.mark.parametrize(("status", "event", "action"), [("RUNNING", "api-cancel-run.json", "cancelled"), ("FAILED", "api-redrive-run.json", "redriven")])
def test_express_runs_are_not_cancelled_or_redriven_and_the_answer_says_why(
    handler, aws, load_event, lambda_context, status, event, action
):
    # GIVEN a run whose execution is an Express one (AWS can neither stop nor redrive those)
    from orchestrator.store import Run

    run_id = "9f1c2a4e-5b7d-4e0a-8c3f-2d6b1e9a7c50"
    arn = f"arn:aws:states:us-east-1:123456789012:express:kyc-check:{run_id}:0e6f8a52"
    aws["store"].create_run(Run(run_id=run_id, flow="kyc-check", input={}))
    aws["store"].update_run_status(run_id, status, flow="kyc-check", execution_arn=arn)
    # WHEN the API is asked to cancel / redrive it
    answer, body = call(handler("api"), load_event(event), lambda_context)
    # THEN 409, naming why and the fix, and the run is unchanged
    assert answer == 409
    assert body["message"] == f"run '{run_id}' cannot be {action}: it is an Express execution"
    assert '"type": "STANDARD"' in body["problems"][0]["hint"]
    assert aws["store"].get_run(run_id).status == status


# ---------------------------------------------------------------- events
def test_publish_event_resumes_a_waiting_run(handler, aws, load_event, lambda_context, task_api):
    aws["store"].register_waiter(
        "payment.received", "order-42", run_id="r1", node="pay", token="tok", expires_in=600
    )
    api = handler("api")
    api.platform.override(Platform.from_env(sfn=task_api))
    status, body = call(api, load_event("api-publish-event.json"), lambda_context)
    assert status == 200 and body["published"] == "direct"
    assert body["resumed"] == [{"run_id": "r1", "node": "pay"}]
    assert task_api.succeeded == [
        ("tok", {"order_id": "order-42", "amount": 129.5, "currency": "EUR"})
    ]


def test_publish_event_goes_to_the_bus_when_configured(
    handler, aws, load_event, lambda_context, monkeypatch
):
    # GIVEN an event bus with a rule forwarding flowctl events to a queue
    events, sqs = boto3.client("events"), boto3.client("sqs")
    events.create_event_bus(Name="flowctl")
    queue = sqs.create_queue(QueueName="seen")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="to-router",
        EventBusName="flowctl",
        EventPattern=json.dumps({"source": ["flowctl.events"]}),
    )
    events.put_targets(
        Rule="to-router", EventBusName="flowctl", Targets=[{"Id": "q", "Arn": queue_arn}]
    )
    monkeypatch.setenv("FLOWCTL_EVENT_BUS", "flowctl")
    # WHEN an event is published through the API
    status, body = call(handler("api"), load_event("api-publish-event.json"), lambda_context)
    # THEN it is accepted and lands on the bus in the EventBridge custom event shape
    assert status == 202 and body["published"] == "bus"
    [message] = sqs.receive_message(QueueUrl=queue)["Messages"]
    sent = json.loads(message["Body"])
    assert (sent["detail-type"], sent["detail"]["key"]) == ("payment.received", "order-42")
    assert sent["detail"]["data"]["amount"] == 129.5


def test_publish_event_validates_its_body(handler, load_event, lambda_context):
    event = load_event("api-publish-event.json")
    event["body"] = json.dumps({"event": "bad name!", "data": 1})
    status, body = call(handler("api"), event, lambda_context)
    assert status == 400
    assert sorted(p["where"] for p in body["problems"]) == ["/event", "/key"]


# ---------------------------------------------------------------- OpenAPI
def test_committed_openapi_document_is_current(handler):
    api = handler("api")
    committed = api.OPENAPI_PATH.read_text()
    if committed != api.openapi_document():
        pytest.fail(
            "orchestrator/platform/openapi.json is stale:"
            " run `.venv/bin/python -m orchestrator.platform.api`"
        )
