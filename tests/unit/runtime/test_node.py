"""@node: what a node function author sees, locally and on (moto) AWS."""

from __future__ import annotations

import io
import json
import logging

import boto3
import pytest
from aws_lambda_powertools import Logger

from orchestrator.runtime import NodeRuntime, PayloadStore, configure, get_runtime, node
from orchestrator.store import DynamoRunStore, LocalRunStore
from orchestrator.store.dynamodb_schema import create_table_kwargs

RUN_ID = "9f1c2a4e-5b7d-4e0a-8c3f-2d6b1e9a7c50"


class FaceNotFoundError(Exception):
    pass


def test_payload_is_split_into_inputs_and_context(load_event):
    # GIVEN a node function and the payload the compiled ASL sends
    seen = {}

    @node
    def handler(inputs, ctx):
        seen.update(inputs=inputs, ctx=ctx)
        return {"faces": 1}

    # WHEN Lambda invokes it
    result = handler(load_event("node-payload.json"), None)
    # THEN the function got the node input, the flow params and the run ids
    assert result == {"faces": 1}
    assert seen["inputs"]["user_id"] == "u-1001"
    ctx = seen["ctx"]
    assert (ctx.flow, ctx.node, ctx.run_id, ctx.attempt) == ("kyc-check", "face-detect", RUN_ID, 0)
    assert ctx.execution.endswith(f":execution:kyc-check:{RUN_ID}")
    assert ctx.params == {"user_id": "u-1001", "threshold": 0.8}


def test_bare_event_is_the_input_and_one_argument_functions_work(load_event):
    # GIVEN a one-argument node function (as with `sam local invoke F -e events/node-bare.json`)
    @node
    def handler(inputs):
        return {"echo": inputs}

    # WHEN invoked with a bare event
    result = handler(load_event("node-bare.json"), None)
    # THEN the event itself is the input
    assert result == {"echo": load_event("node-bare.json")}


def test_no_store_configured_means_no_client_and_no_recording(load_event, monkeypatch):
    # GIVEN a plain local run: no table, no bucket, no store
    def no_clients(*args, **kwargs):
        raise AssertionError("no boto3 client may be created")

    monkeypatch.setattr(boto3, "client", no_clients)

    @node
    def handler(inputs, ctx):
        return "ok"

    # WHEN the node runs THEN it works without creating any client
    assert handler(load_event("node-payload.json")) == "ok"


def test_step_is_recorded_in_dynamodb(load_event, fake_aws, monkeypatch):
    # GIVEN a deployed node (FLOWCTL_TABLE set) and its run table
    boto3.client("dynamodb").create_table(**create_table_kwargs("runs"))
    monkeypatch.setenv("FLOWCTL_TABLE", "runs")

    @node
    def handler(inputs, ctx):
        return {"faces": 1}

    # WHEN the node succeeds
    handler(load_event("node-payload.json"), None)
    # THEN one SUCCEEDED step of face-detect, attempt 0, is in the table with its output
    [step] = DynamoRunStore("runs", client=boto3.client("dynamodb")).list_steps(RUN_ID)
    assert (step.node, step.index, step.attempt, step.status) == ("face-detect", 0, 0, "SUCCEEDED")
    assert step.output == {"faces": 1}
    assert step.started_at <= step.stopped_at and step.duration_ms >= 0


def test_mid_size_output_is_passed_inline_and_recorded_as_a_ref(load_event, monkeypatch):
    # GIVEN a run store and an output over its inline limit (100 KiB), under the offload
    # threshold (200 KiB)
    monkeypatch.setenv("FLOWCTL_STORE", "local")
    rows = ["x" * 100] * 1500

    @node
    def handler(inputs, ctx):
        return {"rows": rows}

    # WHEN the node succeeds
    out = handler(load_event("node-payload.json"), None)
    # THEN the next node gets the output inline, and the step keeps it as a ref, not omitted
    assert out == {"rows": rows}
    [step] = get_runtime().store.list_steps(RUN_ID)
    assert set(step.output) == {"$ref"}
    assert get_runtime().payloads.load(step.output["$ref"]) == {"rows": rows}


def test_user_exception_is_recorded_and_reraised_unchanged(load_event, tmp_path):
    # GIVEN a node whose function raises its own exception, and a local store
    store = LocalRunStore(tmp_path / "runs.sqlite3")
    configure(NodeRuntime(store=store, payloads=PayloadStore(directory=tmp_path / "payloads")))
    error = FaceNotFoundError("no face in u-1001/selfie.jpg")

    @node
    def handler(inputs, ctx):
        raise error

    event = load_event("node-payload.json")
    event["context"]["attempt"] = 2
    # WHEN it runs
    with pytest.raises(FaceNotFoundError) as caught:
        handler(event, None)
    # THEN the very same exception surfaces (Step Functions sees "FaceNotFoundError")
    assert caught.value is error
    # AND a FAILED step with the class name and message is recorded
    [step] = store.list_steps(RUN_ID)
    assert (step.status, step.attempt, step.error, step.cause) == (
        "FAILED",
        2,
        "FaceNotFoundError",
        "no face in u-1001/selfie.jpg",
    )


def test_a_redriven_attempt_is_recorded_in_its_round_apart_from_the_failed_one(
    load_event, tmp_path
):
    # GIVEN a local store, and payloads offloaded above 64 bytes
    store = LocalRunStore(tmp_path / "runs.sqlite3")
    payloads = PayloadStore(directory=tmp_path / "payloads", threshold=64)
    configure(NodeRuntime(store=store, payloads=payloads))
    rounds = []

    @node
    def handler(inputs, ctx):
        rounds.append(ctx.redrive)
        return {"rows": list(range(100))}

    # WHEN attempt 0 runs in a payload without "redrive" (compiled before it existed), then
    # again in redrive round 1
    before = load_event("node-payload.json")
    del before["context"]["redrive"]
    redriven = load_event("node-payload.json")
    redriven["context"]["redrive"] = 1
    refs = [handler(before, None)["$ref"], handler(redriven, None)["$ref"]]
    # THEN the function saw each round, and each round has its own step and offloaded output
    assert rounds == [0, 1]
    steps = store.list_steps(RUN_ID)
    assert [(s.redrive, s.attempt, s.status) for s in steps] == [
        (0, 0, "SUCCEEDED"),
        (1, 0, "SUCCEEDED"),
    ]
    assert refs[0].endswith("/face-detect/0/0/0/output.json")
    assert refs[1].endswith("/face-detect/0/1/0/output.json")


def test_large_output_goes_to_s3_and_next_node_gets_it_back(load_event, fake_aws, monkeypatch):
    # GIVEN a payload bucket and a node that returns 1 MiB
    boto3.client("s3").create_bucket(Bucket="flowctl-payloads")
    monkeypatch.setenv("FLOWCTL_PAYLOAD_BUCKET", "flowctl-payloads")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "GetImageFunction")
    big = {"pixels": "x" * (1024 * 1024)}

    @node
    def get_image(inputs, ctx):
        return big

    received = {}

    @node
    def detect(inputs, ctx):
        received["image"] = inputs["image"]
        return {"faces": 1}

    # WHEN the first node runs
    out = get_image(load_event("node-payload.json"), None)
    # THEN it returns a small reference to an S3 object holding the output
    assert set(out) == {"$ref"} and out["$ref"].startswith("s3://flowctl-payloads/runs/")
    assert len(json.dumps(out)) < 1024
    # WHEN the next node receives that reference nested in its input
    nxt = load_event("node-payload.json")
    nxt["input"] = {"image": out, "note": "small"}
    detect(nxt, None)
    # THEN it sees the original value
    assert received["image"] == big


def test_large_output_goes_to_the_local_payload_dir(load_event, tmp_path, monkeypatch):
    # GIVEN a local run (no bucket) with a small threshold
    monkeypatch.setenv("FLOWCTL_OFFLOAD_THRESHOLD", "64")

    @node
    def handler(inputs, ctx):
        return {"rows": list(range(100))}

    out = handler(load_event("node-payload.json"))
    # THEN the ref is a file under FLOWCTL_HOME/payloads, and it resolves back
    assert out["$ref"].startswith("file://")
    assert str(tmp_path / ".flowctl" / "payloads") in out["$ref"]

    @node
    def reader(inputs):
        return sum(inputs["rows"])

    assert reader({"input": out, "context": {"run_id": "r"}}) == sum(range(100))


def test_log_lines_carry_run_and_node_ids(load_event):
    # GIVEN a node that logs through ctx.logger (a Powertools Logger writing JSON lines)
    stream = io.StringIO()
    logger = Logger(service="log-keys-test", logger_handler=logging.StreamHandler(stream))
    configure(NodeRuntime(logger=logger))

    @node
    def handler(inputs, ctx):
        ctx.logger.info("detecting faces")
        return 1

    # WHEN it runs
    handler(load_event("node-payload.json"), None)
    # THEN its log line carries the correlation keys
    lines = [json.loads(x) for x in stream.getvalue().splitlines()]
    line = next(x for x in lines if x["message"] == "detecting faces")
    assert line["run_id"] == RUN_ID
    assert (line["flow"], line["node"], line["attempt"]) == ("kyc-check", "face-detect", 0)
    assert line["execution"].endswith(RUN_ID)
    # AND the keys do not leak into log lines after the invocation
    logger.info("after")
    assert "run_id" not in json.loads(stream.getvalue().splitlines()[-1])
