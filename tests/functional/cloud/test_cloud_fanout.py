"""Fan-out at scale the cloud way: ``POST /flows/order-totals/runs`` → the Distributed Map reads
the orders CSV from S3 (ItemReader), each item runs the real ``@node`` handler, which stores its
output as an aggregation item and counts it in DynamoDB (moto) → the fan-in node receives the
full list through ``@node`` → ``GET /runs/{id}`` shows the totals and the progress counters."""

from __future__ import annotations

import json
import runpy
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from cloudpath import PROJECT_BUCKET, ROOT, Cloud, assert_steps_match_history

from orchestrator.compiler import CompiledFlow, compile_flow_file
from orchestrator.store.models import progress_text

ORDERS = runpy.run_path(str(ROOT / "data" / "fanout" / "make_orders.py"))


expected_totals = ORDERS["expected_totals"]


def run_orders(cloud: Cloud, rows: int | None = None) -> dict[str, Any]:
    """Run order-totals through the API over the shipped CSV (or its first ``rows`` orders)."""
    if rows is not None:
        boto3.client("s3").put_object(
            Bucket=PROJECT_BUCKET, Key="app/data/fanout/orders.csv", Body=ORDERS["orders_csv"](rows).encode()
        )
    return cloud.run("order-totals")


def first_total_while_running(cloud: Cloud, run_id: str) -> dict[str, int] | None:
    """The ``price`` counters of ``GET /runs/{id}`` the first time they hold a total while the
    run is RUNNING; None when the run ended first."""
    while True:
        run = cloud.get_run(run_id)
        counters = run["progress"].get("price", {})
        if run["status"] != "RUNNING" or cloud.bridge.describe_execution(executionArn=run["execution_arn"])["status"] != "RUNNING":
            return None
        if "total" in counters:
            return dict(counters)
        time.sleep(0.05)


def test_a_few_hundred_orders_fan_out_and_in(cloud: Cloud) -> None:
    # WHEN 300 orders run the cloud way
    run = run_orders(cloud, 300)
    # THEN the fan-in saw every order, in order, and the run shows the counters
    assert run["status"] == "SUCCEEDED", run["cause"]
    assert run["output"] == expected_totals(300)
    assert run["progress"] == {"price": {"succeeded": 300, "total": 300}}
    assert progress_text(run["progress"]["price"]) == "300/300"
    # AND every Lambda call (a batch of 100 items, numbered by its first) was recorded as a step
    batches = sorted(s["index"] for s in run["steps"] if s["node"] == "price")
    assert batches == [0, 100, 200]


@pytest.mark.slow
def test_twenty_thousand_orders_of_200_bytes_each_are_summed_exactly(cloud: Cloud) -> None:
    # GIVEN the shipped CSV of 20,000 orders (each priced output is ~200 bytes: 4 MB in all,
    # sixteen times Step Functions' 256 KiB payload limit)
    assert (ROOT / "data" / "fanout" / "orders.csv").read_text() == ORDERS["orders_csv"]()
    # WHEN the flow runs through the API, read while it runs
    started = cloud.start("order-totals")
    while_running = first_total_while_running(cloud, started["run_id"])
    run = cloud.finish(started)
    # THEN the foreach's total was recorded while its items were still running (the first
    # batch counts the CSV's rows, as the ItemReader reads them, before its function runs)
    assert while_running is not None, "no total was recorded before the run ended"
    assert while_running["total"] == 20_000
    assert while_running.get("succeeded", 0) < 20_000
    # AND it succeeds, the fan-in node's count and sums are exact
    assert run["status"] == "SUCCEEDED", (run["cause"], [(s["node"], s["index"], s["status"], s.get("duration_ms")) for s in run["steps"] if s["status"] != "SUCCEEDED" or s["node"] != "price"])
    assert run["output"] == expected_totals(20_000)
    # AND the progress counters read 20,000/20,000
    assert run["progress"]["price"] == {"succeeded": 20_000, "total": 20_000}
    assert progress_text(run["progress"]["price"]) == "20,000/20,000"


CAUGHT_FANOUT = {
    "name": "caught-fanout",
    "params": {"rows": {"type": "array"}},
    "nodes": {
        "each": {
            "foreach": {"items": "{% $params.rows.($ * 2) %}", "do": {"uses": "add_one"}},
            "catch": [{"errors": ["States.ALL"], "then": "recover"}],
        },
        "recover": {"set": {"failed": "{% $error.error %}"}},
    },
}
ADD_ONE = """
from orchestrator.runtime import node


@node
def lambda_handler(inputs, ctx):
    return inputs + 1
"""


@pytest.fixture
def caught_fanout(tmp_path: Path) -> dict[str, CompiledFlow]:
    """A project whose foreach over an expression catches its errors."""
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "caught-fanout.json").write_text(json.dumps(CAUGHT_FANOUT))
    (tmp_path / "functions" / "add_one").mkdir(parents=True)
    (tmp_path / "functions" / "add_one" / "app.py").write_text(ADD_ONE)
    return {"caught-fanout": compile_flow_file(tmp_path / "flows" / "caught-fanout.json")}


def test_a_foreach_that_catches_its_errors_records_its_total(
    deploy: Callable[..., Cloud], caught_fanout: dict[str, CompiledFlow], tmp_path: Path
) -> None:
    cloud = deploy(caught_fanout, root=tmp_path)
    # WHEN a foreach that catches its errors runs over its items the cloud way
    run = cloud.run("caught-fanout", {"rows": [1, 2, 3]})
    # THEN the first item recorded the total: the run shows items done of total
    assert run["status"] == "SUCCEEDED", run["cause"]
    assert run["output"] == [3, 5, 7]
    assert run["progress"] == {"each": {"succeeded": 3, "total": 3}}
    assert_steps_match_history(cloud, run)
    # WHEN its items expression fails THEN the node's catch handles it, and no item ran
    caught = cloud.run("caught-fanout", {"rows": ["a"]})
    assert caught["status"] == "SUCCEEDED", caught["cause"]
    assert caught["output"] == {"failed": "States.QueryEvaluationError"}
    assert caught["progress"] == {}
    assert_steps_match_history(cloud, caught)
