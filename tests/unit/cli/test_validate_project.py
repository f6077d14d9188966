"""`flowctl validate` alone checks every flow of the project it runs in, as `sam validate` checks
the template it finds; outside a project it says what to name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app

RUNNER = CliRunner()


def test_validate_alone_checks_every_flow_of_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a project with a valid flow and a broken one, and a shell in its flows/ folder
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "good.json").write_text(json.dumps({"name": "good", "nodes": {"a": {"set": 1}}}))
    (tmp_path / "flows" / "bad.yaml").write_text("name: bad\nnodes:\n  a: {sett: 1}\n")
    monkeypatch.chdir(tmp_path / "flows")
    # WHEN `flowctl validate` runs without arguments
    result = RUNNER.invoke(app, ["validate"])
    # THEN both flows are checked, named as the user sees them, and the broken one fails the command
    assert result.exit_code == 1
    assert "good.json: flow 'good' is valid (1 node)" in result.output
    assert "bad.yaml" in result.output and "sett" in result.output


def test_validate_alone_outside_a_project_says_what_to_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = RUNNER.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert "no flow files to validate" in result.output
    assert "flowctl validate flows/my-flow.json" in result.output
    assert "Traceback" not in result.output
