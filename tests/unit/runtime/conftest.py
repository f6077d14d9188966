"""Fixtures for @node: sample events, fake AWS (moto), a clean runtime per test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestrator.runtime import reset_runtime

EVENTS = Path(__file__).resolve().parents[3] / "events"


@pytest.fixture
def load_event():
    def load(name: str) -> Any:
        return json.loads((EVENTS / name).read_text())

    return load


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in (
        "FLOWCTL_TABLE",
        "FLOWCTL_STORE",
        "FLOWCTL_PAYLOAD_BUCKET",
        "AWS_LAMBDA_FUNCTION_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLOWCTL_HOME", str(tmp_path / ".flowctl"))
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "flowctl-test")
    reset_runtime()
    yield
    reset_runtime()

