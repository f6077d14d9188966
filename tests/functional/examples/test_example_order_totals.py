"""GIVEN the order-totals example (a foreach over the 20,000 rows of data/fanout/orders.csv, read
like Distributed Map's ItemReader, batched 100 per call, results aggregated outside the payload)
WHEN it runs with `flowctl run` THEN the fan-in node's count and sums are exact and the progress
counters read 20,000/20,000; a node computing over the aggregate in an expression is refused."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

from orchestrator.cli.local_view import Progress
from orchestrator.local.runner import NodeEvent
from orchestrator.store.models import progress_text

ROOT = Path(__file__).resolve().parents[3]
ORDERS = runpy.run_path(str(ROOT / "data" / "fanout" / "make_orders.py"))


def test_the_shipped_csv_is_what_the_generator_writes() -> None:
    assert (ROOT / "data" / "fanout" / "orders.csv").read_text() == ORDERS["orders_csv"]()


@pytest.mark.slow
def test_twenty_thousand_orders_are_priced_and_summed_exactly(run_flow, flowctl, store) -> None:
    # WHEN the flow runs over the 20,000 rows (each priced order is ~200 bytes: ~4 MB in all)
    run = run_flow("order-totals")
    # THEN the fan-in node received every order, in the rows' order
    assert run.output == ORDERS["expected_totals"]()
    # AND the run's progress counters read 20,000/20,000
    recorded = store.get_run(run.run_id)
    assert recorded.progress == {"price": {"total": 20_000, "succeeded": 20_000}}
    shown = flowctl("runs", "show", run.run_id)
    assert "price" in shown.stdout and "20,000/20,000" in shown.stdout
    # AND the foreach's own output is a small reference, not 20,000 outputs
    price = next(s for s in recorded.steps if s.node == "price")
    assert price.output["output"] == {"$ref": f"agg://{run.run_id}/price"}


def test_an_inline_foreach_counts_its_items_too(run_flow, store) -> None:
    run = run_flow("liteflow-foreach", "-p", 'items=["a", "b", "c", "d"]')
    assert store.get_run(run.run_id).progress == {"each": {"total": 4, "succeeded": 4}}


def test_a_set_node_over_the_aggregate_is_refused_with_the_fix(flowctl, tmp_path: Path) -> None:
    # GIVEN the example with a set node counting the priced orders in an expression
    flow = json.loads((ROOT / "flows" / "order-totals.json").read_text())
    flow["nodes"]["count"] = {"after": ["price"], "set": "{% $count($price) %}"}
    broken = tmp_path / "order-totals.json"
    broken.write_text(json.dumps(flow))
    # WHEN validated
    result = flowctl("validate", str(broken))
    # THEN it fails before running, saying why and what to do
    assert result.exit_code == 1
    text = " ".join((result.stdout + result.stderr).split())
    assert "/nodes/count/set" in text
    assert "$price holds the results of foreach 'price', aggregated outside the state payload" in text
    assert "pass them whole to a function node" in text


def test_the_live_view_shows_a_foreach_as_items_done_of_all() -> None:
    progress = Progress(["price", "totals"], enabled=False)
    progress(NodeEvent("price", "RUNNING"))
    progress(NodeEvent("price", "PROGRESS", counters={"total": 20_000, "succeeded": 1_234}))
    assert progress.rows["price"][1] == "1,234/20,000"
    assert progress_text({"total": 20_000, "succeeded": 20_000}) == "20,000/20,000"


def test_mocking_the_function_of_an_aggregating_foreach_is_refused(run_flow) -> None:
    run = run_flow("order-totals", "--mocks", '{"price/do": {"payload": null}}')
    assert run.exit_code == 1
    assert "'price' aggregates its results in the run store" in " ".join(run.stderr.split())

