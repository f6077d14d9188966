"""GIVEN a project whose node functions time out, fail or are retried WHEN its flows run
locally (`flowctl run`) THEN the run behaves as the deployed flow would: Lambda's own timeout
(``Sandbox.Timedout``), timeouts that a catch takes, and every failed attempt recorded FAILED."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app
from orchestrator.cli.context import local_store
from tests.functional.local.functions_src import FUNCTIONS as SHARED_FUNCTIONS
from tests.functional.local.functions_src import write_project

FUNCTIONS = {
    **SHARED_FUNCTIONS,
    "sleepy": '''import time
from orchestrator.runtime import node


def handle(inputs):
    time.sleep(inputs.get("seconds", 3))
    return {"slept": True}


lambda_handler = node(handle)
''',
}
FUNCTIONS["stamp"] = '''import datetime
from orchestrator.runtime import node


def handle(inputs):
    return {"rows": [{"id": 1, "seen": datetime.datetime(2026, 12, 1, 8, 0)}]}


lambda_handler = node(handle)
'''
FUNCTIONS["tally"] = '''import os
import time
from pathlib import Path
from orchestrator.runtime import node


def handle(inputs):
    calls = Path(os.environ["TALLY_CALLS"])
    with calls.open("a") as fh:
        fh.write(inputs["item"] + "\\n")
    if inputs["item"] == "c" and not Path(os.environ["TALLY_FIXED"]).exists():
        # A parallel node named by TALLY_AFTER must be done before this failure cancels it.
        after = os.environ.get("TALLY_AFTER")
        while after and after not in calls.read_text().split():
            time.sleep(0.02)
        if after:
            time.sleep(0.2)
        raise RuntimeError("item c is broken")
    return {"upper": inputs["item"].upper()}


lambda_handler = node(handle)
'''
FUNCTIONS["bulk"] = '''from orchestrator.runtime import node


def handle(inputs):
    return {"rows": ["x" * 100] * 3000}  # ~300 KB: offloaded as {"$ref": ...}


lambda_handler = node(handle)
'''
FLOWS: dict[str, Any] = {
    "offloaded": {"name": "offloaded", "nodes": {
        "fetch-rows": {"uses": "bulk"},
        "count": {"set": {"n": "{% $count($fetch_rows.rows) %}", "first": "{% $fetch_rows.rows[0] %}"},
                  "after": ["fetch-rows"]},
    }},
    "fan": {"name": "fan", "type": "STANDARD", "nodes": {
        "each": {"foreach": {"items": "{% ['a', 'b', 'c', 'd'] %}", "concurrency": 1,
                             "do": {"uses": "tally", "with": {"item": "{% $item %}"}}}},
        "side": {"uses": "tally", "with": {"item": "side"}},
    }, "output": "{% $each %}"},
    "fan-express": {"name": "fan-express", "type": "EXPRESS", "nodes": {
        "each": {"foreach": {"items": "{% ['c'] %}", "do": {"uses": "tally", "with": {"item": "{% $item %}"}}}},
    }},
    "not-json": {"name": "not-json", "nodes": {"stamp-rows": {"uses": "stamp"}}},
    # function.json gives sleepy 1 s; the node's own timeout (10 s) is longer: Lambda's ends it
    "lambda-timeout": {"name": "lambda-timeout", "nodes": {"nap": {"uses": "sleepy", "timeout": 10}}},
    "caught-timeout": {
        "name": "caught-timeout",
        "nodes": {
            "nap": {"uses": "sleepy", "timeout": 10, "catch": [{"errors": ["Sandbox.Timedout"], "then": "fallback"}]},
            "fallback": {"set": {"recovered": True}},
            "task-timeout": {"uses": "sleepy", "with": {"seconds": 2}, "timeout": 1, "on_error": "continue"},
        },
        "output": "{% {'nap': $nap, 'timeout': $task_timeout} %}",
    },
    "history": {
        "name": "history",
        "nodes": {
            "flaky": {"uses": "flaky", "retry": {"max_attempts": 2, "interval": 1}},
            "broken": {"uses": "broken", "on_error": "continue"},
        },
        "output": "{% {'flaky': $flaky, 'broken': $broken} %}",
    },
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_project(tmp_path / "project", FLOWS, FUNCTIONS)
    (root / "functions" / "sleepy" / "function.json").write_text(json.dumps({"timeout": 1}))
    monkeypatch.setenv("FLOWCTL_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(root)
    return root


def run(project: Path, flow: str) -> tuple[int, str, list[Any]]:
    result = CliRunner().invoke(app, ["run", f"flows/{flow}.json", "-q"])
    store = local_store(project)
    run_id = store.list_runs(flow).runs[0].run_id
    return result.exit_code, result.output, store.list_steps(run_id)


def test_a_function_that_outlives_its_lambda_timeout_fails_with_sandbox_timedout(project: Path) -> None:
    code, output, steps = run(project, "lambda-timeout")
    assert code == 1
    assert "Sandbox.Timedout" in output
    [step] = steps
    assert (step.node, step.status, step.error) == ("nap", "FAILED", "Sandbox.Timedout")
    assert "Task timed out after 1.00 seconds" in json.loads(step.cause)["errorMessage"]


def test_timeouts_take_the_catch_path_and_on_error_continue(project: Path) -> None:
    code, output, steps = run(project, "caught-timeout")
    assert code == 0, output
    result = json.loads(output[output.index("{"):])
    assert result["nap"] == {"recovered": True}  # the catch handler's value stands in for the node
    assert result["timeout"] == {"error": "States.Timeout", "cause": None}
    by_node = {s.node: s for s in steps}
    assert (by_node["nap"].status, by_node["nap"].error) == ("FAILED", "Sandbox.Timedout")
    assert (by_node["task-timeout"].status, by_node["task-timeout"].error) == ("FAILED", "States.Timeout")


def test_failed_attempts_and_caught_nodes_are_recorded_failed(project: Path) -> None:
    code, output, steps = run(project, "history")
    assert code == 0, output
    rows = sorted((s.node, s.attempt, s.status, s.error) for s in steps)
    assert rows == [
        ("broken", 0, "FAILED", "ValueError"),
        ("flaky", 0, "FAILED", "RuntimeError"),
        ("flaky", 1, "SUCCEEDED", None),
    ]
    shown = CliRunner().invoke(app, ["runs", "show", local_store(project).list_runs("history").runs[0].run_id])
    assert "ValueError (caught)" in shown.output


def test_a_node_returning_a_non_json_value_fails_naming_the_node_and_key_path(project: Path) -> None:
    code, output, steps = run(project, "not-json")
    assert code == 1
    [step] = steps
    assert step.error == "OutputNotJsonError"
    message = json.loads(step.cause)["errorMessage"]
    assert message.startswith("node 'stamp-rows' returned a value that is not JSON at $.rows[0].seen: datetime")
    assert "isoformat()" in message
    assert "json/encoder.py" not in output


def test_redrive_runs_only_the_failed_and_not_started_items_of_a_foreach(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls, fixed = tmp_path / "calls.txt", tmp_path / "fixed"
    monkeypatch.setenv("TALLY_CALLS", str(calls))
    monkeypatch.setenv("TALLY_FIXED", str(fixed))
    monkeypatch.setenv("TALLY_AFTER", "side")  # side keeps its result, however fast the items run
    code, _, _ = run(project, "fan")
    assert code == 1
    first_round = calls.read_text().split()
    assert sorted(first_round) == ["a", "b", "c", "side"]  # d never started: c failed first
    fixed.touch()
    store = local_store(project)
    run_id = store.list_runs("fan").runs[0].run_id
    redriven = CliRunner().invoke(app, ["redrive", run_id, "-q"])
    assert redriven.exit_code == 0, redriven.output
    assert calls.read_text().split()[len(first_round):] == ["c", "d"]  # a, b and side keep their results
    assert [o["upper"] for o in json.loads(redriven.stdout[redriven.stdout.index("["):])] == ["A", "B", "C", "D"]
    round_one = sorted((s.node, s.index) for s in store.list_steps(run_id) if s.redrive == 1 and "/" in s.node)
    assert round_one == [("each/do", 2), ("each/do", 3)]


def test_redrive_of_an_express_flow_answers_as_aws(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALLY_CALLS", str(tmp_path / "calls.txt"))
    monkeypatch.setenv("TALLY_FIXED", str(tmp_path / "fixed"))
    code, _, _ = run(project, "fan-express")
    assert code == 1
    run_id = local_store(project).list_runs("fan-express").runs[0].run_id
    redriven = CliRunner().invoke(app, ["redrive", run_id])
    assert redriven.exit_code == 1
    assert "cannot redrive Express executions" in redriven.output


def test_reading_into_an_offloaded_output_names_the_node_the_size_and_the_fix(project: Path) -> None:
    code, output, steps = run(project, "offloaded")
    assert code == 1
    store = local_store(project)
    failed = store.list_runs("offloaded").runs[0]
    assert failed.error == "States.QueryEvaluationError"
    assert "Node 'fetch-rows' returned 30" in failed.cause and "bytes, over the offload threshold" in failed.cause
    assert "pass $fetch_rows whole to a node" in failed.cause
    shown = CliRunner().invoke(app, ["runs", "show", failed.run_id, "--node", "fetch-rows"])
    assert "--resolve shows its value" in shown.output and '"$ref"' in shown.output
    resolved = CliRunner().invoke(app, ["runs", "show", failed.run_id, "--node", "fetch-rows", "--resolve"])
    assert resolved.exit_code == 0, resolved.output
    shown_data = resolved.output[resolved.output.index("SUCCEEDED"):]
    assert '"$ref"' not in shown_data and '"rows"' in shown_data
