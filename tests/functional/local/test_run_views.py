"""GIVEN local runs WHEN stopped at a breakpoint, run as plain ASL, or given odd options THEN the
output is short and says what to do: a compact breakpoint view (`--full` for everything), the
variables a `set` node reads, `./functions` found by `asl run`, and clear option errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app
from orchestrator.cli.local_view import Progress
from orchestrator.compiler import compile_flow_file
from orchestrator.engine import VirtualClock
from orchestrator.flowlang.project import Project
from orchestrator.local.runner import LocalRunner

ROOT = Path(__file__).resolve().parents[3]
FLOWS = ROOT / "flows"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FLOWCTL_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(ROOT)
    return tmp_path / "home"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_break_at_shows_a_compact_input_and_full_shows_all() -> None:
    args = ("run", str(FLOWS / "ma-crossover.json"), "-q", "--break-at", "signals")
    # WHEN a run stops before a node that receives long lists
    compact = invoke(*args)
    # THEN each list shows its first items, how many are left out and its last one
    assert compact.exit_code == 0, compact.output
    assert "stopped before signals" in compact.output
    assert "… 516 more" in compact.output and "--full" in compact.output
    assert len(compact.output.splitlines()) < 80
    # AND --full prints the whole input
    full = invoke(*args, "--full")
    assert "more" not in full.output and len(full.output.splitlines()) > 1000


def test_break_at_a_set_node_shows_the_variables_it_reads() -> None:
    # WHEN a run stops before a switch's target
    result = invoke("run", str(FLOWS / "liteflow-if.json"), "-q", "-p", "n=9", "--break-at", "big")
    # THEN it shows the flow variables the node reads, not the compiler's switch state
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output[result.output.index("{"):])
    assert shown == {"params": {"n": 9}}
    assert "targets" not in result.output


def test_break_at_marks_the_node_as_breakpoint_in_the_table(home: Path) -> None:
    # GIVEN the live table of a run stopping before `describe`
    progress = Progress([], enabled=False)
    runner = LocalRunner(Project(ROOT), None, on_node=progress, clock=VirtualClock())
    # WHEN it runs
    runner.run(compile_flow_file(FLOWS / "liteflow-passing-data.json"), {"a": 1, "b": 2}, break_at="describe")
    # THEN the node is shown stopped at the breakpoint, neither running nor done
    assert "breakpoint" in progress.rows["describe"][0]
    assert "done" in progress.rows["add"][0]


def test_asl_run_finds_functions_in_the_current_folder(tmp_path: Path, monkeypatch) -> None:
    # GIVEN a folder with functions/echo and an ASL file calling it
    (tmp_path / "functions" / "echo").mkdir(parents=True)
    (tmp_path / "functions" / "echo" / "app.py").write_text(
        "def lambda_handler(event, context):\n    return {'echo': event}\n")
    machine = {"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "echo", "Payload.$": "$"}, "OutputPath": "$.Payload", "End": True}}}
    (tmp_path / "machine.json").write_text(json.dumps(machine))
    monkeypatch.chdir(tmp_path)
    # WHEN it runs without --functions-dir THEN ./functions is used
    found = invoke("asl", "run", "machine.json", "--input", '{"x": 1}')
    assert found.exit_code == 0, found.output
    assert json.loads(found.stdout) == {"echo": {"x": 1}}
    # AND a function that is not there is an error that names --functions-dir
    (tmp_path / "functions" / "echo" / "app.py").unlink()
    missing = invoke("asl", "run", "machine.json")
    assert missing.exit_code == 1 and "--functions-dir" in missing.output


def test_mocks_naming_a_foreach_node_say_how_to_mock_its_items() -> None:
    flow = str(FLOWS / "liteflow-foreach.json")
    # WHEN --mocks names the foreach node THEN it is an error that names its per-item id
    refused = invoke("run", flow, "-q", "--mocks", '{"each": {"payload": []}}')
    assert refused.exit_code == 1 and "each/do" in refused.output
    # AND the per-item id mocks every item
    mocked = invoke("run", flow, "-q", "--mocks", '{"each/do": {"payload": {"mocked": true}}}')
    assert mocked.exit_code == 0 and mocked.output.count('"mocked": true') == 3


def test_validate_says_node_for_one_node(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(json.dumps({"name": "one", "nodes": {"x": {"set": {"a": 1}}}}))
    assert "(1 node)" in invoke("validate", str(tmp_path / "one.json")).output
