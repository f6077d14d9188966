"""GIVEN the platform handlers shipped in the package (orchestrator.platform) WHEN they run in a
Lambda whose code package is the project's flows/ (as synth deploys them) THEN the API serves
those flows, found through LAMBDA_TASK_ROOT; FLOWCTL_FLOWS_DIR still wins."""

from __future__ import annotations

from pathlib import Path

from orchestrator.platform import HANDLERS, PLATFORM_FUNCTIONS
from orchestrator.service.config import PlatformConfig


def test_every_platform_function_has_a_handler_in_the_package() -> None:
    import importlib

    for name in PLATFORM_FUNCTIONS:
        module, _, attribute = HANDLERS[name].rpartition(".")
        assert callable(getattr(importlib.import_module(module), attribute))


def test_the_api_reads_the_flows_of_its_code_package(tmp_path: Path) -> None:
    assert PlatformConfig.from_env({"LAMBDA_TASK_ROOT": str(tmp_path)}).flows_dir == tmp_path
    other = tmp_path / "other"
    env = {"LAMBDA_TASK_ROOT": str(tmp_path), "FLOWCTL_FLOWS_DIR": str(other)}
    assert PlatformConfig.from_env(env).flows_dir == other
    assert PlatformConfig.from_env({}).flows_dir is None


def test_the_api_lists_the_flows_of_its_code_package(handler, load_event, lambda_context, monkeypatch, aws) -> None:
    import json

    monkeypatch.delenv("FLOWCTL_FLOWS_DIR")
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(aws["flows_dir"]))
    api = handler("api", sfn=aws["sfn"])
    answer = api.lambda_handler(load_event("api-list-flows.json"), lambda_context)
    assert answer["statusCode"] == 200
    assert [f["name"] if isinstance(f, dict) else f for f in json.loads(answer["body"])["flows"]] == ["kyc-check"]
