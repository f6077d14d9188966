"""GIVEN the fan-out a new user tries first (a foreach over [1..2000] whose function returns ~220
bytes per item, then a fan-in) WHEN its results stay in the payload THEN the run fails with
States.DataLimitExceeded, as in AWS; WHEN they are aggregated THEN it succeeds and the fan-in
function gets all 2,000 outputs, in order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from orchestrator.compiler import compile_flow_file
from orchestrator.engine import VirtualClock
from orchestrator.flowlang.project import Project
from orchestrator.local.runner import LocalRunner
from orchestrator.store import LocalRunStore

ROOT = Path(__file__).resolve().parents[3]


def _flow(results: str) -> dict[str, Any]:
    row = {"order_id": "{% $item %}", "customer": "{% 'c' & $item %}", "amount_cents": "{% $item * 31 %}"}
    return {
        "name": f"fan-{results}",
        "nodes": {
            "each": {"foreach": {"items": "{% [1..2000] %}", "concurrency": 4, "results": results,
                                 "do": {"uses": "score_order", "with": row}}},
            "sum": {"uses": "sum_orders", "after": ["each"], "with": {"orders": "{% $each %}"}},
        },
        "output": "{% $sum %}",
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("score_order", "sum_orders"):
        shutil.copytree(ROOT / "functions" / name, tmp_path / "functions" / name)
    (tmp_path / "flows").mkdir()
    return tmp_path


def _run(project: Path, results: str) -> Any:
    path = project / "flows" / f"fan-{results}.json"
    path.write_text(json.dumps(_flow(results)))
    store = LocalRunStore(project / ".flowctl" / "runs.sqlite3")
    return LocalRunner(Project.for_flow(path), store).run(compile_flow_file(path), {}), store


@pytest.mark.slow
def test_two_thousand_outputs_in_the_payload_exceed_its_limit(project: Path) -> None:
    run, _ = _run(project, "inline")
    assert run.status == "FAILED"
    assert run.error == "States.DataLimitExceeded"


@pytest.mark.slow
def test_two_thousand_aggregated_outputs_reach_the_fan_in_whole(project: Path) -> None:
    run, store = _run(project, "aggregate")
    assert run.status == "SUCCEEDED", run.cause
    amounts = [i * 31 for i in range(1, 2001)]
    assert run.output["count"] == 2000
    assert run.output["amount_cents"] == sum(amounts)
    assert (run.output["first"], run.output["last"]) == (1, 2000)
    assert store.get_run(run.run_id).progress == {"each": {"total": 2000, "succeeded": 2000}}


def test_a_batching_foreach_counts_its_items_not_its_batches(project: Path) -> None:
    # GIVEN an aggregating foreach over 7 items, 3 to a batch (3 calls of its function)
    flow = _flow("aggregate")
    flow["nodes"]["each"]["foreach"].update({"items": "{% [1..7] %}", "batch_size": 3})
    path = project / "flows" / "fan-aggregate.json"
    path.write_text(json.dumps(flow))
    store = LocalRunStore(project / ".flowctl" / "runs.sqlite3")
    # WHEN it runs
    run = LocalRunner(Project.for_flow(path), store).run(compile_flow_file(path), {})
    # THEN its total is the 7 items, all succeeded
    assert run.status == "SUCCEEDED", run.cause
    assert run.output["count"] == 7
    assert store.get_run(run.run_id).progress == {"each": {"total": 7, "succeeded": 7}}


def test_a_foreach_without_a_function_has_no_counters_stuck_at_zero(project: Path) -> None:
    # GIVEN a foreach whose body is a set (no @node counts its items)
    path = project / "flows" / "shape.json"
    path.write_text(json.dumps({"name": "shape", "nodes": {
        "each": {"foreach": {"items": [1, 2, 3], "do": {"set": "{% $item * 2 %}"}}}}, "output": "{% $each %}"}))
    store = LocalRunStore(project / ".flowctl" / "runs.sqlite3")
    run = LocalRunner(Project.for_flow(path), store).run(compile_flow_file(path), {})
    # THEN it runs as before, and shows no progress that would read 0/3
    assert run.output == [2, 4, 6]
    assert store.get_run(run.run_id).progress == {}


def test_a_redriven_foreach_counts_its_items_again_from_zero(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from orchestrator.cli.app import app

    # GIVEN an aggregating foreach whose item 3 fails in the first round
    (project / "functions" / "flaky").mkdir()
    (project / "functions" / "flaky" / "app.py").write_text(
        "import os\nfrom orchestrator.runtime import node\n\n\n@node\ndef lambda_handler(item):\n"
        "    if item == 3 and os.environ.get('FLAKY_FAIL'):\n        raise RuntimeError('item 3 is not ready')\n"
        "    return {'order_id': item, 'customer': 'c', 'amount_cents': item, 'tax_cents': 0,"
        " 'total_cents': item, 'band': 'small'}\n")
    (project / "flows" / "flaky.json").write_text(json.dumps({"name": "flaky", "type": "STANDARD", "nodes": {
        # one at a time: item 4 never starts in the first round (run at once, its handler could
        # still be counting when the redrive resets the counters: the handler outlives the abort)
        "each": {"foreach": {"items": [1, 2, 3, 4], "concurrency": 1, "results": "aggregate", "do": {"uses": "flaky"}}},
        "sum": {"uses": "sum_orders", "after": ["each"], "with": {"orders": "{% $each %}"}}},
        "output": "{% $sum.amount_cents %}"}))
    monkeypatch.chdir(project)
    monkeypatch.setenv("FLOWCTL_HOME", str(project / ".flowctl"))
    monkeypatch.setenv("FLOWCTL_PROJECT_DIR", str(project))
    monkeypatch.setenv("FLAKY_FAIL", "1")
    cli = CliRunner()
    failed = cli.invoke(app, ["run", "flows/flaky.json", "-q"])
    assert failed.exit_code != 0
    store = LocalRunStore(project / ".flowctl" / "runs.sqlite3")
    run_id = store.list_runs("flaky").runs[0].run_id
    assert store.get_progress(run_id, "each")["failed"] == 1
    # WHEN it is redriven once the item can succeed
    monkeypatch.delenv("FLAKY_FAIL")
    redriven = cli.invoke(app, ["redrive", run_id, "-q"])
    # THEN the fan-in saw the four items, and the counters read 4/4 with no failure left
    assert redriven.exit_code == 0, redriven.output
    assert store.get_run(run_id).output == 10
    assert store.get_progress(run_id, "each") == {"total": 4, "succeeded": 4, "failed": 0}


@pytest.mark.slow
def test_twenty_thousand_items_one_call_each_are_aggregated_and_summed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the example's 20,000 orders, one function call per order (no batch_size)
    import runpy

    orders = runpy.run_path(str(ROOT / "data" / "fanout" / "make_orders.py"))
    shutil.copytree(ROOT / "data" / "fanout", project / "data" / "fanout")
    monkeypatch.setenv("FLOWCTL_PROJECT_DIR", str(project))
    flow = json.loads((ROOT / "flows" / "order-totals.json").read_text())
    del flow["nodes"]["price"]["foreach"]["batch_size"]
    path = project / "flows" / "order-totals.json"
    path.write_text(json.dumps(flow))
    store = LocalRunStore(project / ".flowctl" / "runs.sqlite3")
    # WHEN it runs on the local engine, on the virtual clock (`flowctl run --virtual-clock`): the
    # same runner, @node handler, aggregation items and counters, the items one after another on
    # the run's thread instead of 20,000 handler threads (a quarter of the CPU time; the counters
    # under real threads are test_two_thousand_aggregated_outputs_reach_the_fan_in_whole's)
    run = LocalRunner(Project.for_flow(path), store, clock=VirtualClock()).run(compile_flow_file(path), {})
    # THEN 20,000 aggregation items reached the fan-in whole: count and sums exact, counters 20,000/20,000
    assert run.status == "SUCCEEDED", run.cause
    assert run.output == orders["expected_totals"]()
    assert store.get_run(run.run_id).progress == {"price": {"total": 20_000, "succeeded": 20_000}}


@pytest.mark.parametrize("batch_size", [None, 2])
def test_a_foreach_run_again_by_its_retry_keeps_its_total(project: Path, batch_size: int | None) -> None:
    # GIVEN a foreach over an expression whose item 3 fails on its first call, and a node Retry
    (project / "functions" / "flaky").mkdir()
    (project / "functions" / "flaky" / "app.py").write_text(
        "from pathlib import Path\nfrom orchestrator.runtime import node\n\n\n@node\ndef lambda_handler(item):\n"
        f"    marker = Path({str(project / 'failed-once')!r})\n"
        "    if item == 3 and not marker.exists():\n        marker.write_text('1')\n        raise RuntimeError('not ready')\n"
        "    return item\n")
    spec: dict[str, Any] = {"items": "{% [1..4] %}", "concurrency": 1, "do": {"uses": "flaky"}}
    if batch_size:
        spec.update(mode="distributed", batch_size=batch_size, results="inline")
    path = project / "flows" / "again.json"
    path.write_text(json.dumps({"name": "again", "type": "STANDARD", "nodes": {"each": {
        "foreach": spec, "retry": {"max_attempts": 2, "interval": 1}}}, "output": "{% $count($each) %}"}))
    store = LocalRunStore(project / ".flowctl" / "runs.sqlite3")
    # WHEN it runs: the first attempt fails at item 3, the Retry runs the whole foreach again
    run = LocalRunner(Project.for_flow(path), store, clock=VirtualClock()).run(compile_flow_file(path), {})
    # THEN the total is the four items, written once as the first item writes it in the cloud
    # (the items of both attempts are counted: 2 + 4 succeeded, 1 failed, as in the cloud)
    assert run.status == "SUCCEEDED", run.cause
    progress = store.get_progress(run.run_id, "each")
    assert progress["total"] == 4
    assert progress["succeeded"] == 6
