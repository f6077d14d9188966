"""`flowctl init`, `flowctl events sample`, reserved platform names and the project root as the
working folder of node functions — seen from the command line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app


def flowctl(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project made by `flowctl init` (runs stored in its own .flowctl/)."""
    monkeypatch.delenv("FLOWCTL_HOME", raising=False)
    result = flowctl("init", str(tmp_path / "proj"))
    assert result.exit_code == 0, result.output
    return tmp_path / "proj"


def test_init_writes_a_project_that_validates(project: Path) -> None:
    # GIVEN a project made by init THEN it has the design card's layout and its flows validate
    for path in ("flows/hello.json", "flows/word-stats.json", "functions/greet/app.py", "functions/summarize/app.py",
                 "events/greet.json", "events/count_letters.json", "tests/test_flows.py", "tests/test_events.py",
                 "samconfig.toml", ".gitignore", "README.md", ".flowctl/flow.schema.json"):
        assert (project / path).is_file(), path
    assert 'stack_name = "proj"' in (project / "samconfig.toml").read_text()
    flow = json.loads((project / "flows" / "hello.json").read_text())
    assert (project / "flows" / flow["$schema"]).resolve() == (project / ".flowctl" / "flow.schema.json")
    result = flowctl("validate", *(str(p) for p in sorted((project / "flows").glob("*.json"))))
    assert result.exit_code == 0, result.output


def test_init_refuses_to_overwrite_and_force_does(project: Path) -> None:
    # GIVEN a scaffolded project whose hello flow the user changed
    hello = project / "flows" / "hello.json"
    hello.write_text("{}")
    (project / "flows" / "mine.json").write_text("{}")
    # WHEN init runs again THEN it writes nothing and names the file and --force
    again = flowctl("init", str(project))
    assert again.exit_code == 1
    assert "flows/hello.json" in again.output and "--force" in again.output
    assert hello.read_text() == "{}"
    # WHEN with --force THEN the scaffold's files are written again, the user's others kept
    forced = flowctl("init", str(project), "--force")
    assert forced.exit_code == 0, forced.output
    assert json.loads(hello.read_text())["name"] == "hello"
    assert (project / "flows" / "mine.json").read_text() == "{}"


def test_events_sample_writes_the_payload_a_node_received(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a recorded run of the fan-out flow
    monkeypatch.chdir(project)
    run = flowctl("run", "flows/word-stats.json", "-q", "-p", "text=to be")
    assert run.exit_code == 0, run.output
    run_id = run.output.split("SUCCEEDED run ")[1].split()[0]
    # WHEN the payload of the second item of the foreach node is sampled into events/
    sampled = flowctl("events", "sample", run_id, "--node", "count", "--index", "1", "-o", "events/sampled.json")
    assert sampled.exit_code == 0, sampled.output
    # THEN it is the Lambda payload that item's function got
    event = json.loads((project / "events" / "sampled.json").read_text())
    assert event["input"] == {"word": "be"}
    assert event["params"] == {"text": "to be"}
    assert event["context"]["flow"] == "word-stats" and event["context"]["index"] == 1
    assert event["context"]["run_id"] == run_id
    # AND a node that called no function, or no such node, is a clear error
    title = flowctl("events", "sample", run_id, "--node", "title")
    assert title.exit_code == 1 and "called no function" in title.output
    nope = flowctl("events", "sample", run_id, "--node", "nope")
    assert nope.exit_code == 1 and "has no node 'nope'" in nope.output


def test_a_flow_run_from_another_folder_runs_its_functions_in_the_project_root(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a node function that reads a file by a path relative to the project
    (project / "data").mkdir()
    (project / "data" / "name.txt").write_text("Grace")
    (project / "functions" / "read_name").mkdir()
    (project / "functions" / "read_name" / "app.py").write_text(
        "from pathlib import Path\n\n"
        "def lambda_handler(event, context):\n"
        "    return {'name': Path('data/name.txt').read_text(), 'cwd': str(Path.cwd())}\n")
    (project / "flows" / "read.json").write_text(json.dumps({"name": "read", "nodes": {"r": {"uses": "read_name"}}}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    # WHEN it is run by absolute path from another folder
    run = flowctl("run", str(project / "flows" / "read.json"), "-q")
    # THEN the function ran in the project root, and the caller's folder is unchanged
    assert run.exit_code == 0, run.output
    assert '"name": "Grace"' in run.output and f'"cwd": "{project}"' in run.output
    assert Path.cwd() == elsewhere
    # AND `runs list` finds that run from anywhere with -C (as git -C)
    listed = flowctl("-C", str(project), "runs", "list")
    assert listed.exit_code == 0 and "read-" in listed.output
    os.chdir(elsewhere)


@pytest.mark.parametrize("reserved", ["api", "tracker", "waiter", "event_router"])
def test_validate_rejects_a_function_named_like_a_platform_function(project: Path, reserved: str) -> None:
    flow = project / "flows" / "clash.json"
    flow.write_text(json.dumps({"name": "clash", "nodes": {"n": {"uses": reserved}}}))
    result = flowctl("validate", str(flow))
    assert result.exit_code == 1
    assert f"function name '{reserved}' is reserved" in result.output


def test_synth_refuses_a_functions_folder_named_like_a_platform_function(project: Path) -> None:
    (project / "functions" / "tracker").mkdir()
    (project / "functions" / "tracker" / "app.py").write_text("def lambda_handler(event, context):\n    return event\n")
    result = flowctl("synth", "--project", str(project))
    assert result.exit_code == 1
    assert "reserved" in result.output and "functions/tracker/" in result.output


def test_events_sample_says_when_a_payload_was_too_large_to_record() -> None:
    from orchestrator.cli.events import recorded_payload
    from orchestrator.errors import FlowctlError
    from orchestrator.store.models import Run, Step

    run = Run("r-1", "big", "SUCCEEDED", input={})
    run.steps = [Step("r-1", "load", "SUCCEEDED", output={"$omitted": True, "bytes": 300000})]
    with pytest.raises(FlowctlError, match="too large to keep"):
        recorded_payload(run, "load")
