"""GIVEN nodes that fail (once, or always) WHEN run locally THEN the failure is told once, readably:
no ERROR log line per attempt, the live table says "retrying (attempt N)" with `Error: message`
and clears it when a retry succeeds, and `runs show` prints `Error: message` and where it was
raised instead of the Lambda error document."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app
from orchestrator.cli.local_view import Progress
from orchestrator.compiler import compile_flow_file
from orchestrator.engine import VirtualClock
from orchestrator.flowlang.project import Project
from orchestrator.local.runner import LocalRunner
from orchestrator.store.local import LocalRunStore


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FLOWCTL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    return tmp_path / "home"


def test_a_local_failure_logs_no_error_line(project: Path, spawn) -> None:
    # WHEN a node fails in a local run (another process, to see its real stderr)
    process = spawn(project, "run", "flows/broken.json", "-q")
    out, err = process.communicate(timeout=60)
    # THEN the summary tells the error once and no JSON log line is written
    assert process.returncode == 1
    assert '"level"' not in out + err and "node failed" not in out + err
    assert "ValueError: always broken" in err


def test_the_table_shows_a_pending_retry_and_clears_it_on_success(project: Path, home: Path) -> None:
    # GIVEN a node that fails on its first attempt and is retried
    seen: list[tuple[str, str]] = []
    progress = Progress(["flaky"], enabled=False)

    def on_node(event) -> None:
        progress(event)
        seen.append((progress.rows["flaky"][0], progress.rows["flaky"][2]))

    runner = LocalRunner(Project(project), LocalRunStore(home / "runs.sqlite3"), on_node=on_node, clock=VirtualClock())
    # WHEN it runs
    result = runner.run(compile_flow_file(project / "flows" / "flaky.json"), {})
    # THEN while the retry is pending the row says so, with the error's message only
    assert result.status == "SUCCEEDED"
    pending = [row for row in seen if "retrying (attempt 2)" in row[0]]
    assert pending and pending[0][1] == "RuntimeError: flaky upstream"
    assert not any("failed" in status for status, _ in seen)
    # AND once the retry succeeds the row is done with no detail
    assert seen[-1] == ("[green]✓[/] done", "")


def test_a_failure_that_is_never_retried_ends_as_failed() -> None:
    from orchestrator.local.runner import NodeEvent

    # GIVEN a table whose node's last attempt failed
    progress = Progress(["n"], enabled=False)
    progress(NodeEvent("n", "FAILED", attempt=2, detail="ValueError: no"))
    # WHEN the run ends THEN the node is failed, with its error
    progress.finish()
    assert progress.rows["n"][0] == "[red]✗[/] failed" and progress.rows["n"][2] == "ValueError: no"


def test_runs_show_prints_the_message_and_where_it_was_raised(project: Path, monkeypatch) -> None:
    # GIVEN a failed run
    monkeypatch.chdir(project)
    runner = CliRunner()
    ran = runner.invoke(app, ["run", "flows/broken.json", "-q"])
    run_id = ran.output.split("run ")[1].split()[0]
    # WHEN it is shown
    shown = runner.invoke(app, ["runs", "show", run_id]).output
    # THEN the error is `Error: message` and, on the next line, where it was raised
    lines = shown.splitlines()
    at = lines.index("ValueError: always broken")
    assert lines[at + 1].strip().startswith("at ") and "app.py" in lines[at + 1]
    assert "stackTrace" not in shown and "requestId" not in shown
