"""A run parked on a wait_for node says, in its progress, which event and key it waits for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app
from orchestrator.compiler import compile_flow_file
from orchestrator.flowlang.project import Project
from orchestrator.local.runner import LocalRunner
from orchestrator.store.local import LocalRunStore


def test_a_waiting_node_shows_its_event_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a project whose flow waits for e1/k1, and that event already published
    (tmp_path / "flows").mkdir()
    flow = {"name": "w", "nodes": {"w": {"wait_for": {"event": "e1", "key": "k1", "timeout": 60}}}}
    (tmp_path / "flows" / "w.json").write_text(json.dumps(flow))
    monkeypatch.setenv("FLOWCTL_HOME", str(tmp_path / ".flowctl"))
    monkeypatch.chdir(tmp_path)
    published = CliRunner().invoke(app, ["events", "publish", "e1", "--key", "k1", "--data", '{"x": 1}'])
    assert published.exit_code == 0, published.output
    seen = []
    runner = LocalRunner(Project(tmp_path), LocalRunStore(tmp_path / ".flowctl" / "runs.sqlite3"), on_node=seen.append)
    # WHEN the run reaches the node
    result = runner.run(compile_flow_file(tmp_path / "flows" / "w.json"), {})
    # THEN its progress said what it waited for, and the kept event resumed it
    assert result.status == "SUCCEEDED"
    assert ("w", "RUNNING", "waiting for event 'e1', key 'k1'") in [(e.node, e.status, e.detail) for e in seen]
