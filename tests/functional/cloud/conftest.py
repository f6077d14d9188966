"""The cloud path without AWS: the application deployed on moto, Step Functions played by the
local engine (:class:`~orchestrator.testing.StepFunctionsBridge`).

What is real: the api, tracker, waiter and event_router handlers (their platform given the bridge
as its Step Functions client, nothing else), the compiled ASL, every node's ``@node`` handler
configured by environment (run table, payload bucket), the DynamoDB run store, S3 and SES on
moto. Relative paths of the flows resolve against ``s3://flowctl-project/app`` (where ``data/``
is uploaded), as in a Lambda: nothing is read from or written to the working tree.

A test talks to it like a client: ``cloud.api("POST", "/flows/x/runs", body)``, then
``cloud.finish(run)`` lets the execution end in the engine, hands the status change events to
the tracker and returns ``GET /runs/{id}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from cloudpath import (
    CALLBACK_TIME_SCALE,
    PAYLOAD_BUCKET,
    PROJECT_BUCKET,
    PROJECT_DIR,
    ROOT,
    SENDER,
    Cloud,
    platform_function,
)

from orchestrator.compiler import CompiledFlow, compile_flow_file
from orchestrator.engine import VirtualClock
from orchestrator.io import get_s3_client, set_s3_client
from orchestrator.platform import PLATFORM_FUNCTIONS
from orchestrator.runtime import get_runtime, reset_runtime
from orchestrator.service import Platform
from orchestrator.testing import StepFunctionsBridge


@pytest.fixture(scope="session")
def compiled_flows() -> dict[str, CompiledFlow]:
    """Every flow of ``flows/``, compiled once."""
    compiled = (compile_flow_file(path) for path in sorted((ROOT / "flows").glob("*.json")))
    return {c.flow.name: c for c in compiled}


@pytest.fixture
def aws_app(run_table: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The resources a deployment has, on moto, and the environment its Lambdas get."""
    for name, value in {
        "FLOWCTL_PAYLOAD_BUCKET": PAYLOAD_BUCKET,
        "FLOWCTL_PROJECT_DIR": PROJECT_DIR,
        "FLOWCTL_EMAIL_SENDER": SENDER,
        "AWS_LAMBDA_FUNCTION_NAME": "flowctl-cloud-test",
    }.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3")
    for bucket in (PAYLOAD_BUCKET, PROJECT_BUCKET):
        s3.create_bucket(Bucket=bucket)
    for path in sorted((ROOT / "data").rglob("*")):
        if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts:
            key = f"app/{path.relative_to(ROOT).as_posix()}"
            s3.put_object(Bucket=PROJECT_BUCKET, Key=key, Body=path.read_bytes())
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    reset_runtime()
    set_s3_client(None)
    yield
    reset_runtime()
    set_s3_client(None)


@pytest.fixture
def deploy(
    aws_app: None, run_table: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Cloud]]:
    """``deploy(compiled_flows, root=...)`` → a :class:`Cloud` running those flows with the
    functions of ``<root>/functions``; state machines STANDARD, or ``type`` (None: the type
    the compiler chose)."""
    made: list[Cloud] = []

    def make(
        flows: dict[str, CompiledFlow], root: Path = ROOT, type: str | None = "STANDARD"
    ) -> Cloud:
        functions = {
            name: platform_function(name) for name in PLATFORM_FUNCTIONS
        }
        bridge = StepFunctionsBridge(
            functions_dir=root / "functions",
            functions={"waiter": functions["waiter"]["lambda_handler"]},
            clock=VirtualClock(callback_time_scale=CALLBACK_TIME_SCALE),
        )
        machines = {name: bridge.deploy_flow(c, type=type) for name, c in flows.items()}
        monkeypatch.setenv("FLOWCTL_STATE_MACHINES", json.dumps(machines))
        monkeypatch.setenv("FLOWCTL_FLOWS_DIR", str(root / "flows"))
        for module in functions.values():
            module["platform"].override(Platform.from_env(sfn=bridge))
        made.append(Cloud(bridge, functions, machines, run_table))
        # Warm containers: the clients exist before executions run on their threads (creating
        # boto3 clients from several threads at once is not safe).
        runtime = get_runtime()
        assert runtime.store is not None
        for client in (
            runtime.store.client,
            runtime.payloads.s3,
            get_s3_client(),
            made[-1].store.client,
        ):
            assert client is not None
        return made[-1]

    yield make
    for cloud in made:
        cloud.bridge.shutdown()
        for module in cloud.functions.values():
            module["platform"].override(None)


@pytest.fixture
def cloud(deploy: Callable[..., Cloud], compiled_flows: dict[str, CompiledFlow]) -> Cloud:
    """Every flow of ``flows/`` deployed with ``functions/``, as STANDARD state machines: an
    Express execution sends no status event, so its run is never tracked (see
    ``test_run_of_an_express_state_machine_is_tracked_to_its_end``)."""
    return deploy(compiled_flows)
