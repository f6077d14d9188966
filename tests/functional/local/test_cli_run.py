"""GIVEN the LiteFlow example flows WHEN run with `flowctl run` THEN they give their real results,
every node is recorded, events resume waiting runs, breakpoints and redrive work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app

ROOT = Path(__file__).resolve().parents[3]
FLOWS = ROOT / "flows"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("FLOWCTL_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(ROOT)
    return tmp_path / "home"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def run_json(*args: str):
    result = invoke("run", *args, "-q")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout[result.stdout.index("\n") + 1 :] if result.stdout.startswith("SUCCEEDED") else result.stdout)


def last_run_id(flow: str) -> str:
    listing = invoke("runs", "list", "--flow", flow)
    return listing.output.split("│")[1].strip() if "│" in listing.output else listing.output.split()[0]


def test_hello_world() -> None:
    assert run_json(str(FLOWS / "liteflow-hello.json")) == "Hello, World!"
    assert run_json(str(FLOWS / "liteflow-hello.json"), "--param", "name=flowctl") == "Hello, flowctl!"


def test_passing_data_adds_two_numbers() -> None:
    assert run_json(str(FLOWS / "liteflow-passing-data.json"), "-p", "a=2", "-p", "b=3") == {"sum": 5, "text": "2 + 3 = 5"}


def test_foreach_processes_every_item() -> None:
    output = run_json(str(FLOWS / "liteflow-foreach.json"))
    assert [o["upper"] for o in output] == ["ABC", "DEF", "XYZ"]
    assert [o["index"] for o in output] == [0, 1, 2]


def test_if_takes_only_one_branch() -> None:
    assert run_json(str(FLOWS / "liteflow-if.json"), "-p", "n=9") == {"size": "big", "n": 9}
    assert run_json(str(FLOWS / "liteflow-if.json"), "-p", "n=1") == {"size": "small", "n": 1}


def test_while_counts_to_three_and_records_each_iteration() -> None:
    assert run_json(str(FLOWS / "liteflow-while.json")) == {"count": 3}
    shown = invoke("runs", "show", last_run_id("liteflow-while"))
    assert shown.exit_code == 0
    assert shown.output.count("counter/do") == 3


def test_wait_for_event_published_from_another_caller(home: Path) -> None:
    # GIVEN a run waiting for event1/k-live in another process (two CliRunner calls at once
    # would share sys.stdout)
    env = {**os.environ, "FLOWCTL_HOME": str(home)}
    waiting = subprocess.Popen(
        [str(Path(sys.executable).with_name("flowctl")), "run", str(FLOWS / "liteflow-wait-event.json"), "-q", "-p", "key=k-live"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    # WHEN, once it waits, the event is published from here
    from orchestrator.cli.context import local_store

    deadline = time.monotonic() + 30
    while not local_store(ROOT).list_waiters("event1", "k-live") and waiting.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    published = invoke("events", "publish", "event1", "--key", "k-live", "--data", '{"n": 1}')
    # THEN the waiting run receives it and succeeds
    try:
        out, errors = waiting.communicate(timeout=60)
    finally:
        waiting.kill()
    assert "delivered" in published.output
    assert waiting.returncode == 0, out + errors
    assert '"n": 1' in out


def test_event_published_before_the_run_is_delivered_once() -> None:
    assert "buffered" in invoke("events", "publish", "event1", "--key", "early", "--data", '{"early": true}').output
    output = run_json(str(FLOWS / "liteflow-wait-event.json"), "-p", "key=early")
    assert output["data"] == {"early": True}
    from orchestrator.cli.context import local_store

    assert local_store(ROOT).list_buffered_events("event1", "early") == []


def test_break_at_shows_the_input_and_stops() -> None:
    result = invoke("run", str(FLOWS / "liteflow-passing-data.json"), "-q", "-p", "a=4", "-p", "b=5", "--break-at", "describe")
    assert result.exit_code == 0
    assert "stopped before describe" in result.output and '"sum": 9' in result.output


def test_bad_parameter_is_a_clear_error() -> None:
    result = invoke("run", str(FLOWS / "liteflow-passing-data.json"), "-p", "a=1", "-p", "b=x")
    assert result.exit_code == 1 and "/params/b" in result.output and "Traceback" not in result.output


@pytest.fixture
def redriven(tmp_path: Path, monkeypatch) -> tuple[Path, str, object]:
    """A project whose node b fails until functions/flaky/fixed exists: run it (FAILED at b),
    fix it, redrive it; (project, run id, the redrive's CLI result)."""
    project = tmp_path / "proj"
    (project / "flows").mkdir(parents=True)
    for name, body in {
        "count": "import pathlib\n\ndef lambda_handler(event, context):\n    p = pathlib.Path(__file__).parent / 'calls'\n    n = int(p.read_text()) + 1 if p.exists() else 1\n    p.write_text(str(n))\n    return {'calls': n}\n",
        "flaky": "import pathlib\n\nclass Broken(Exception):\n    pass\n\ndef lambda_handler(event, context):\n    if not (pathlib.Path(__file__).parent / 'fixed').exists():\n        raise Broken('not yet')\n    return {'got': event['input']}\n",
    }.items():
        (project / "functions" / name).mkdir(parents=True)
        (project / "functions" / name / "app.py").write_text(body)
    (project / "flows" / "rd.json").write_text(json.dumps({"name": "rd", "type": "STANDARD", "nodes": {"a": {"uses": "count"}, "b": {"uses": "flaky", "after": ["a"]}}}))
    monkeypatch.chdir(project)
    failed = invoke("run", "flows/rd.json", "-q")
    assert failed.exit_code == 1 and "Broken: not yet" in failed.output
    run_id = failed.output.split("run ")[1].split()[0]
    (project / "functions" / "flaky" / "fixed").write_text("")
    return project, run_id, invoke("redrive", run_id, "-q")


def test_redrive_reuses_recorded_outputs(redriven) -> None:
    project, _, result = redriven
    assert result.exit_code == 0, result.output
    assert '"calls": 1' in result.output
    assert (project / "functions" / "count" / "calls").read_text() == "1"  # a was not called again


def test_runs_show_keeps_the_failed_round_next_to_the_redriven_one(redriven) -> None:
    # GIVEN a run that failed at b (attempt 0), was fixed and redriven (attempt 0 again)
    _, run_id, _ = redriven
    # WHEN it is shown
    shown = invoke("runs", "show", run_id)
    # THEN b has a step in each round: the failed one is kept, not overwritten by the redrive
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    header = next(line for line in lines if "┃" in line).split("┃")
    steps = [dict(zip(header, line.split("│"), strict=True)) for line in lines if "│" in line]
    steps = [{k.strip(): v.strip() for k, v in step.items()} for step in steps]
    assert [(s["node"], s["round"], s["attempt"], s["status"]) for s in steps] == [
        ("a", "0", "0", "SUCCEEDED"),  # (a's recorded output was reused: it has no round 1)
        ("b", "0", "0", "FAILED"),
        ("b", "1", "0", "SUCCEEDED"),
    ]
    assert "Broken" in steps[1]["error"] and "redriven 1×" in shown.output
    # AND --node shows both of b's rounds in full
    detail = invoke("runs", "show", run_id, "--node", "b")
    assert "item 0 round 0 attempt 0: FAILED" in detail.output
    assert "item 0 round 1 attempt 0: SUCCEEDED" in detail.output


def test_asl_run_runs_any_definition(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"x": 1}, "End": True}}}))
    result = invoke("asl", "run", str(path), "--input", "{}")
    assert result.exit_code == 0 and '"x": 1' in result.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"StartAt": "Nope", "States": {}}))
    result = invoke("asl", "run", str(bad))
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_mocks_replace_functions_and_exercise_retry(tmp_path: Path) -> None:
    # GIVEN a mock that fails once with a Lambda service error, then returns a sum
    mocks = {"add": [{"error": "Lambda.TooManyRequestsException", "cause": "slow down"}, {"payload": {"sum": 42}}]}
    result = invoke("run", str(FLOWS / "liteflow-passing-data.json"), "-q", "-p", "a=1", "-p", "b=2", "--mocks", json.dumps(mocks))
    # THEN the AWS-recommended Lambda retry absorbs the failure and the mocked sum flows on
    assert result.exit_code == 0, result.output
    assert '"sum": 42' in result.output
    bad = invoke("run", str(FLOWS / "liteflow-passing-data.json"), "-q", "-p", "a=1", "-p", "b=2", "--mocks", '{"nope": {"return": 1}}')
    assert bad.exit_code == 1 and "nope" in bad.output


def test_runs_show_writes_a_step_of_zero_milliseconds_as_0_and_an_unknown_duration_as_nothing(home: Path) -> None:
    # GIVEN a run whose steps took 0 ms (under a millisecond) and an unknown time
    from orchestrator.store.local import LocalRunStore
    from orchestrator.store.models import Run, Step

    store = LocalRunStore(home / "runs.sqlite3")
    store.create_run(Run(run_id="r-ms", flow="f"))
    store.record_step(Step("r-ms", "quick", "SUCCEEDED", duration_ms=0, started_at="2026-01-01T00:00:00.000Z"))
    store.record_step(Step("r-ms", "unknown", "RUNNING", started_at="2026-01-01T00:00:01.000Z"))
    store.close()
    # WHEN it is shown, as a table and node by node
    table = invoke("runs", "show", "r-ms")
    quick = invoke("runs", "show", "r-ms", "--node", "quick")
    unknown = invoke("runs", "show", "r-ms", "--node", "unknown")
    # THEN 0 ms is written as 0; no duration, as nothing
    assert table.exit_code == 0, table.output
    rows = {line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[1:-1]]
            for line in table.output.splitlines() if line.count("│") > 2}
    assert rows["quick"][5] == "0"
    assert rows["unknown"][5] == ""
    assert "attempt 0: SUCCEEDED 0 ms" in quick.output
    assert "attempt 0: RUNNING\n" in unknown.output
