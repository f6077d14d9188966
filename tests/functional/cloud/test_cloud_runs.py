"""Run control the cloud way: idempotent starts, retries and redrives in the engine, payloads
offloaded to S3 between nodes, and what an Express state machine cannot report."""

from __future__ import annotations

import hashlib
import json
import runpy
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from cloudpath import PAYLOAD_BUCKET, ROOT, Cloud, assert_steps_match_history

from orchestrator.compiler import CompiledFlow, compile_flow_file
from orchestrator.store.items import encode_json

MIB = 1024 * 1024


# ---------------------------------------------------------------- idempotency
def test_repeated_start_with_one_idempotency_key_gives_one_run(cloud: Cloud) -> None:
    # GIVEN a start request with an Idempotency-Key
    key = {"Idempotency-Key": "hello-ada-1"}
    first = cloud.api("POST", "/flows/liteflow-hello/runs", {"name": "Ada"}, key)
    # WHEN the client sends it again, before and after the run ends
    again = cloud.api("POST", "/flows/liteflow-hello/runs", {"name": "Ada"}, key)
    done = cloud.finish(first[1]["run"])
    late = cloud.api("POST", "/flows/liteflow-hello/runs", {"name": "Ada"}, key)
    # THEN there is one run, named by the key, and one execution
    assert [status for status, _ in (first, again, late)] == [201, 200, 200]
    assert {body["run"]["run_id"] for _, body in (first, again, late)} == {"hello-ada-1"}
    assert (done["status"], late[1]["run"]["status"], late[1]["run"]["output"]) == (
        "SUCCEEDED",
    ) * 2 + ("Hello, Ada!",)
    executions = cloud.bridge.list_executions(stateMachineArn=cloud.machines["liteflow-hello"])
    assert [e["name"] for e in executions["executions"]] == ["hello-ada-1"]
    status, page = cloud.api("GET", "/flows/liteflow-hello/runs")
    assert status == 200 and [r["run_id"] for r in page["runs"]] == ["hello-ada-1"]
    # AND the same key with other parameters is refused
    status, body = cloud.api("POST", "/flows/liteflow-hello/runs", {"name": "Bob"}, key)
    assert status == 409 and body["problems"][0]["where"] == "/headers/Idempotency-Key"


def test_retry_after_a_lost_start_response_gets_the_running_execution(cloud: Cloud) -> None:
    # GIVEN an execution started with the key as its name, whose response the API never got
    machine = cloud.machines["liteflow-wait-event"]
    started = cloud.bridge.start_execution(
        stateMachineArn=machine, name="lost-1", input=encode_json({"key": "key1"})
    )
    # WHEN the client retries its request
    status, body = cloud.api(
        "POST", "/flows/liteflow-wait-event/runs", {}, {"Idempotency-Key": "lost-1"}
    )
    # THEN StartExecution answers the running execution (same name and input): one execution
    assert status == 201 and body["run"]["execution_arn"] == started["executionArn"]
    assert len(cloud.bridge.list_executions(stateMachineArn=machine)["executions"]) == 1
    cloud.api("POST", "/events", {"event": "event1", "key": "key1", "data": "paid"})
    assert cloud.finish(body["run"])["output"]["data"] == "paid"


def test_retry_after_the_execution_ended_records_its_result(cloud: Cloud) -> None:
    # GIVEN an execution that ran to its end while its start response was lost
    started = cloud.bridge.start_execution(
        stateMachineArn=cloud.machines["liteflow-hello"],
        name="lost-2",
        input=encode_json({"name": "Ada"}),
    )
    cloud.bridge.wait(started["executionArn"])
    # WHEN the client retries: StartExecution answers ExecutionAlreadyExists
    status, body = cloud.api(
        "POST", "/flows/liteflow-hello/runs", {"name": "Ada"}, {"Idempotency-Key": "lost-2"}
    )
    # THEN the API adopts the execution and records how it ended
    assert status == 201
    run = body["run"]
    assert (run["execution_arn"], run["status"], run["output"]) == (
        started["executionArn"],
        "SUCCEEDED",
        "Hello, Ada!",
    )


# ---------------------------------------------------------------- retries and redrive
def test_node_retries_run_in_virtual_time_and_each_attempt_is_a_step(cloud: Cloud) -> None:
    # GIVEN the source API answering 503 twice (api-extract's fetch retries HttpError 3 times,
    # waiting 1 s then 2 s: virtual seconds)
    fake_api = runpy.run_path(
        str(ROOT / "data" / "api" / "fake_api.py"), run_name="flowctl_fake_api"
    )
    with fake_api["serving"](fail_first=2) as api:
        run = cloud.run("api-extract", {"run_date": "2024-05-01", "base_url": api.base_url})
    # THEN the run succeeded on the third attempt, and every attempt is a step
    assert run["status"] == "SUCCEEDED"
    fetches = [
        (s["attempt"], s["status"], s["error"]) for s in run["steps"] if s["node"] == "fetch"
    ]
    assert fetches == [
        (0, "FAILED", "HttpError"),
        (1, "FAILED", "HttpError"),
        (2, "SUCCEEDED", None),
    ]
    assert_steps_match_history(cloud, run)


def test_failed_run_is_redriven_from_its_failed_node(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN reconciliation sending its report from an address SES has not verified
    monkeypatch.setenv("FLOWCTL_EMAIL_SENDER", "unverified@example.com")
    run = cloud.run("reconciliation")
    # THEN the run FAILED at send-report after its 3 attempts; the nodes before it succeeded
    assert (run["status"], run["error"]) == ("FAILED", "EmailSendError")
    failed = [s for s in run["steps"] if s["node"] == "send-report"]
    assert [(s["redrive"], s["attempt"], s["status"]) for s in failed] == [
        (0, n, "FAILED") for n in range(3)
    ]
    before = {s["node"]: s for s in run["steps"] if s["node"] != "send-report"}
    assert {s["status"] for s in before.values()} == {"SUCCEEDED"} and len(before) == 5
    # WHEN the sender is verified and the run redriven through the API
    boto3.client("ses").verify_email_identity(EmailAddress="unverified@example.com")
    status, body = cloud.api("POST", f"/runs/{run['run_id']}/redrive")
    assert status == 200 and (body["run"]["status"], body["run"]["redrive_count"]) == ("RUNNING", 1)
    done = cloud.finish(run)
    # THEN it succeeded; only send-report ran again
    assert (done["status"], done["redrive_count"], done["output"]["sent"]) == ("SUCCEEDED", 1, True)
    assert {s["node"]: s for s in done["steps"] if s["node"] != "send-report"} == before
    # AND the failed round's attempts are kept next to the redriven round's (same attempt 0)
    sent = [s for s in done["steps"] if s["node"] == "send-report"]
    assert sent[:3] == failed
    assert [(s["redrive"], s["attempt"], s["status"]) for s in sent[3:]] == [(1, 0, "SUCCEEDED")]
    assert sent[3]["output"]["message_id"] and sent[3]["started_at"] > failed[-1]["started_at"]
    assert_steps_match_history(cloud, done)
    # (the API recorded the redrive's RUNNING itself; the tracker applies its end)
    assert [(t["status"], t["applied"]) for t in cloud.tracked[-2:]] == [
        ("RUNNING", False),
        ("SUCCEEDED", True),
    ]
    # AND a succeeded run cannot be redriven
    status, body = cloud.api("POST", f"/runs/{run['run_id']}/redrive")
    assert status == 409


# ---------------------------------------------------------------- large payloads
BLOB_FLOW = {
    "name": "blob-relay",
    "params": {"size": {"type": "integer", "default": MIB}},
    "nodes": {
        "produce": {"uses": "make_blob", "with": {"size": "{% $params.size %}"}},
        "consume": {
            "uses": "measure_blob",
            "after": ["produce"],
            "with": {"blob": "{% $produce %}"},
        },
    },
    "output": "{% $consume %}",
}
MAKE_BLOB = """
from orchestrator.runtime import node


@node
def lambda_handler(inputs, ctx):
    return {"text": "x" * inputs["size"]}
"""
MEASURE_BLOB = """
import hashlib

from orchestrator.runtime import node


@node
def lambda_handler(inputs, ctx):
    text = inputs["blob"]["text"]
    return {"length": len(text), "sha256": hashlib.sha256(text.encode()).hexdigest()}
"""


@pytest.fixture
def blob_project(tmp_path: Path) -> dict[str, CompiledFlow]:
    """A project whose first node returns 1 MiB and whose second node reads it."""
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "blob-relay.json").write_text(json.dumps(BLOB_FLOW))
    for name, code in (("make_blob", MAKE_BLOB), ("measure_blob", MEASURE_BLOB)):
        (tmp_path / "functions" / name).mkdir(parents=True)
        (tmp_path / "functions" / name / "app.py").write_text(code)
    return {"blob-relay": compile_flow_file(tmp_path / "flows" / "blob-relay.json")}


def test_a_1_mib_output_travels_between_nodes_through_s3(
    deploy: Callable[..., Cloud], blob_project: dict[str, CompiledFlow], tmp_path: Path
) -> None:
    cloud = deploy(blob_project, root=tmp_path)
    # WHEN a run passes 1 MiB from one node to the next
    run = cloud.run("blob-relay")
    # THEN the second node read the whole value
    assert run["status"] == "SUCCEEDED"
    assert run["output"] == {"length": MIB, "sha256": hashlib.sha256(b"x" * MIB).hexdigest()}
    # AND between them only a ref to the S3 object @node wrote travelled (named by the node's
    # item, redrive round and attempt)
    produced = {s["node"]: s["output"] for s in run["steps"]}["produce"]
    assert produced == {
        "$ref": f"s3://{PAYLOAD_BUCKET}/runs/{run['run_id']}/produce/0/0/0/output.json"
    }
    key = produced["$ref"].removeprefix(f"s3://{PAYLOAD_BUCKET}/")
    assert boto3.client("s3").head_object(Bucket=PAYLOAD_BUCKET, Key=key)["ContentLength"] > MIB
    assert_steps_match_history(cloud, run)


# ---------------------------------------------------------------- Express state machines
def test_run_of_an_express_state_machine_is_tracked_to_its_end(
    deploy: Callable[..., Cloud], compiled_flows: dict[str, CompiledFlow]
) -> None:
    # GIVEN liteflow-hello deployed as the compiler chose it (EXPRESS)
    assert compiled_flows["liteflow-hello"].type == "EXPRESS"
    cloud = deploy({"liteflow-hello": compiled_flows["liteflow-hello"]}, type=None)
    # WHEN it runs through the API, its log group's execution records reaching the tracker
    run = cloud.run("liteflow-hello", {"name": "Ada"})
    # THEN GET /runs/{id} shows it SUCCEEDED with its output
    assert run["status"] == "SUCCEEDED"
    assert run["output"] == "Hello, Ada!"
    assert run["execution_arn"].split(":")[5] == "express"

