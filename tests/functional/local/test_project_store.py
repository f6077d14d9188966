"""GIVEN runs stored by `flowctl run FLOW` in the flow's project WHEN `runs`, `events publish` and
`redrive` run from any folder of that project THEN they use the same store; outside a project
they fail clearly instead of creating a store of their own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app


@pytest.fixture(autouse=True)
def no_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWCTL_HOME", raising=False)


def invoke(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, list(args))


def test_runs_list_from_a_subfolder_finds_the_run_stored_by_run(project: Path, monkeypatch) -> None:
    # GIVEN a run of flows/broken.json started from outside the project
    ran = invoke(project.parent, monkeypatch, "run", str(project / "flows" / "broken.json"), "-q")
    assert ran.exit_code == 1
    # WHEN runs list runs (no --flow) in the project's functions/ folder
    listed = invoke(project / "functions", monkeypatch, "runs", "list")
    # THEN it lists that run, from the store in the project
    assert listed.exit_code == 0 and "broken" in listed.output and "FAILED" in listed.output
    assert (project / ".flowctl" / "runs.sqlite3").is_file()


def test_runs_list_without_flow_lists_runs_of_flows_not_in_flows_dir(project: Path, monkeypatch, tmp_path) -> None:
    # GIVEN a run of a flow whose file is not in the project's flows/ folder
    elsewhere = project / "drafts"
    elsewhere.mkdir()
    (elsewhere / "draft.json").write_text(json.dumps({"name": "draft", "nodes": {"x": {"set": {"a": 1}}}}))
    monkeypatch.setenv("FLOWCTL_HOME", str(tmp_path / "home"))
    assert invoke(project, monkeypatch, "run", "drafts/draft.json", "-q").exit_code == 0
    # WHEN runs list runs without --flow THEN the run is listed
    listed = invoke(project, monkeypatch, "runs", "list")
    assert "draft" in listed.output


@pytest.mark.parametrize("args", [("events", "publish", "event1", "--key", "k"), ("runs", "list"),
                                  ("runs", "show", "x"), ("redrive", "x")])
def test_outside_a_project_commands_fail_without_creating_a_store(tmp_path: Path, monkeypatch, args) -> None:
    # GIVEN a folder that is no project (no flows/ or .flowctl/ in it or above it)
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    # WHEN a store command runs there
    result = invoke(lonely, monkeypatch, *args)
    # THEN it says there is no project, exits 1 and creates nothing
    assert result.exit_code == 1
    assert "no flowctl project here" in result.output and "FLOWCTL_HOME" in result.output
    assert list(lonely.iterdir()) == []


def test_events_publish_from_a_subfolder_uses_the_project_store(project: Path, monkeypatch) -> None:
    # GIVEN a project whose store exists
    invoke(project, monkeypatch, "run", "flows/broken.json", "-q")
    # WHEN an event is published from a subfolder
    published = invoke(project / "functions" / "broken", monkeypatch, "events", "publish", "e", "--key", "k")
    # THEN it is kept in the project's store, and no store appears in the subfolder
    assert published.exit_code == 0
    from orchestrator.cli.context import local_store

    assert [e.key for e in local_store(project).list_buffered_events("e", "k")] == ["k"]
    assert not (project / "functions" / "broken" / ".flowctl").exists()
