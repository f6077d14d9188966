"""Fixtures for the platform functions on moto: a run table, a state machine, shipped flows,
the sample events of ``events/``, handler modules and a fake Step Functions task API."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from orchestrator.service import Platform
from orchestrator.store import DynamoRunStore

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "events"
TABLE = "flowctl-runs"  # made by the run_table fixture (tests/functional/conftest.py)
ROLE = "arn:aws:iam::123456789012:role/flowctl-state-machine"
PASS_DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
KYC_FLOW = {
    "name": "kyc-check",
    "version": 3,
    "description": "Check a user's identity from a selfie.",
    "params": {
        "user_id": {"type": "string", "description": "The user to check."},
        "threshold": {"type": "number", "default": 0.8},
    },
    "nodes": {
        "get-image": {"uses": "get_image"},
        "face-detect": {"uses": "detect_face", "after": ["get-image"]},
    },
}
_MODULES: dict[str, ModuleType] = {}


@dataclass(frozen=True)
class LambdaContext:
    function_name: str = "flowctl-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:flowctl-test"
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"


class FakeTaskApi:
    """A Step Functions client for the task-token calls: records SendTaskSuccess, and answers
    TaskTimedOut for tokens marked stale (moto's SendTaskSuccess accepts any token silently)."""

    def __init__(self) -> None:
        self.succeeded: list[tuple[str, Any]] = []
        self.stale: set[str] = set()

    def send_task_success(self, *, taskToken: str, output: str) -> dict[str, Any]:
        if taskToken in self.stale:
            raise ClientError(
                {"Error": {"Code": "TaskTimedOut", "Message": "Task Timed Out"}}, "SendTaskSuccess"
            )
        self.succeeded.append((taskToken, json.loads(output)))
        return {}


@pytest.fixture
def load_event():
    def load(name: str) -> Any:
        return json.loads((EVENTS / name).read_text())

    return load


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def aws(
    run_table: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[dict[str, Any]]:
    """Fake credentials, moto, the run table, the kyc-check state machine and its flow file."""
    ddb = boto3.client("dynamodb")
    sfn = boto3.client("stepfunctions")
    machine = sfn.create_state_machine(
        name="kyc-check", definition=PASS_DEFINITION, roleArn=ROLE
    )
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "kyc-check.json").write_text(json.dumps(KYC_FLOW, indent=2))
    monkeypatch.setenv("FLOWCTL_TABLE", TABLE)
    monkeypatch.setenv("FLOWCTL_FLOWS_DIR", str(flows))
    monkeypatch.setenv(
        "FLOWCTL_STATE_MACHINES", json.dumps({"kyc-check": machine["stateMachineArn"]})
    )
    yield {
        "ddb": ddb,
        "sfn": sfn,
        "state_machine_arn": machine["stateMachineArn"],
        "store": DynamoRunStore(TABLE, client=ddb),
        "flows_dir": flows,
    }


@pytest.fixture
def task_api() -> FakeTaskApi:
    return FakeTaskApi()


def _load_module(function: str) -> ModuleType:
    """The platform handler module ``orchestrator.platform.<function>`` (imported once, like a
    warm Lambda container)."""
    if function not in _MODULES:
        _MODULES[function] = importlib.import_module(f"orchestrator.platform.{function}")
    return _MODULES[function]


@pytest.fixture
def handler(aws):
    """``handler("tracker")`` → the function module, its platform rebuilt for this test's env."""
    used: list[ModuleType] = []

    def get(function: str, **clients: Any) -> ModuleType:
        module = _load_module(function)
        module.platform.override(Platform.from_env(**clients) if clients else None)
        used.append(module)
        return module

    yield get
    for module in used:
        module.platform.override(None)
