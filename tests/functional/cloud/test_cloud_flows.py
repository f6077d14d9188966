"""Every flow of ``flows/`` the cloud way: ``POST /flows/{flow}/runs`` → the compiled ASL in the
engine, each Task through the real ``@node`` handler and the DynamoDB store on moto → status
events to the tracker → ``GET /runs/{id}`` shows the run, every node invocation as a step with
its status and output, and the flow's real results (in S3 and SES on moto)."""

from __future__ import annotations

import io
import json
import runpy
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from cloudpath import PROJECT_DIR, ROOT, Cloud, assert_steps_match_history, parked
from PIL import Image

from orchestrator.runtime import PayloadStore

Run = dict[str, Any]
FLOWS = sorted(path.stem for path in (ROOT / "flows").glob("*.json"))
KYC_EXPECTED = json.loads((ROOT / "data" / "kyc" / "expected.json").read_text())
API_EXPECTED = json.loads((ROOT / "data" / "api" / "expected.json").read_text())


# ---------------------------------------------------------------- what every run must show
def uses_nodes(flow: str) -> set[str]:
    """The nodes of a flow that call a function (``uses``)."""
    nodes = json.loads((ROOT / "flows" / f"{flow}.json").read_text())["nodes"]
    return {node_id for node_id, node in nodes.items() if "uses" in node}


def steps_of(run: Run) -> list[tuple[str, int, str]]:
    return sorted((s["node"], s["index"], s["status"]) for s in run["steps"])


def s3_bytes(uri: str) -> bytes:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bytes(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def s3_text(uri: str) -> str:
    return s3_bytes(uri).decode()


# ---------------------------------------------------------------- one case per flow
def hello(cloud: Cloud) -> list[Run]:
    run = cloud.run("liteflow-hello", {"name": "Ada"})
    assert run["output"] == "Hello, Ada!"
    assert [(s["node"], s["output"]) for s in run["steps"]] == [
        ("hello", {"message": "Hello, Ada!"})
    ]
    return [run]


def passing_data(cloud: Cloud) -> list[Run]:
    run = cloud.run("liteflow-passing-data", {"a": 2, "b": 3})
    assert run["output"] == {"sum": 5, "text": "2 + 3 = 5"}
    assert [(s["node"], s["output"]) for s in run["steps"]] == [("add", {"a": 2, "b": 3, "sum": 5})]
    return [run]


def foreach(cloud: Cloud) -> list[Run]:
    run = cloud.run("liteflow-foreach", {"items": ["abc", "de", "x"]})
    assert [(o["index"], o["upper"], o["length"]) for o in run["output"]] == [
        (0, "ABC", 3),
        (1, "DE", 2),
        (2, "X", 1),
    ]
    assert steps_of(run) == [("each", i, "SUCCEEDED") for i in range(3)]
    # the items were counted before the Map, and the first one recorded the total
    assert run["progress"] == {"each": {"succeeded": 3, "total": 3}}
    return [run]


def branch(cloud: Cloud) -> list[Run]:
    big, small = cloud.run("liteflow-if", {"n": 7}), cloud.run("liteflow-if", {"n": 2})
    assert big["output"] == {"size": "big", "n": 7}
    assert small["output"] == {"size": "small", "n": 2}
    assert big["steps"] == small["steps"] == []  # set and switch nodes call no Lambda
    return [big, small]


def loop(cloud: Cloud) -> list[Run]:
    run = cloud.run("liteflow-while", {"limit": 3})
    assert run["output"] == {"count": 3}
    assert [(s["index"], s["output"]) for s in run["steps"]] == [
        (0, {"count": 1}),
        (1, {"count": 2}),
        (2, {"count": 3}),
    ]
    return [run]


def wait_event(cloud: Cloud) -> list[Run]:
    run = cloud.start("liteflow-wait-event", {"key": "order-7"})
    assert cloud.bridge.wait_until(run["execution_arn"], parked)
    status, _ = cloud.api(
        "POST", "/events", {"event": "event1", "key": "order-7", "data": {"paid": 12.5}}
    )
    assert status == 200
    run = cloud.finish(run)
    assert run["output"] == {"event": "event1", "key": "order-7", "data": {"paid": 12.5}}
    assert run["steps"] == []  # the waiter is a platform function, not a node
    return [run]


def reconciliation(cloud: Cloud) -> list[Run]:
    boto3.client("s3").create_bucket(Bucket="flowctl-reports")
    run = cloud.run(
        "reconciliation", {"report_dir": "s3://flowctl-reports/2024-01", "email": "cfo@example.com"}
    )
    summary = run["output"]["summary"]
    assert {k: summary[k] for k in ("bank_rows", "ledger_rows", "exact", "fuzzy", "matched")} == {
        "bank_rows": 1000,
        "ledger_rows": 990,
        "exact": 790,
        "fuzzy": 141,
        "matched": 931,
    }
    assert (summary["unmatched_bank"], summary["unmatched_ledger"]) == (69, 59)
    # the report is in the S3 bucket, the e-mail went through SES
    assert run["output"]["report"] == "s3://flowctl-reports/2024-01"
    listed = boto3.client("s3").list_objects_v2(Bucket="flowctl-reports")["Contents"]
    assert sorted(o["Key"] for o in listed) == [
        "2024-01/reconciliation.csv",
        "2024-01/summary.json",
        "2024-01/summary.txt",
    ]
    assert json.loads(s3_text("s3://flowctl-reports/2024-01/summary.json")) == summary
    assert (
        len(s3_text("s3://flowctl-reports/2024-01/reconciliation.csv").splitlines())
        == 1 + 931 + 69 + 59
    )
    assert run["output"]["sent"] is True
    sent = {s["node"]: s["output"] for s in run["steps"]}["send-report"]
    assert sent["to"] == "cfo@example.com" and sent["message_id"]
    assert boto3.client("ses").get_send_quota()["SentLast24Hours"] == 1
    # a step output too large to keep inline is a ref to S3, not omitted
    bank = {s["node"]: s["output"] for s in run["steps"]}["extract-bank"]
    assert bank["$ref"].startswith("s3://flowctl-payloads/runs/")
    assert PayloadStore().resolve(bank)["count"] == 1000
    assert steps_of(run) == sorted((node, 0, "SUCCEEDED") for node in uses_nodes("reconciliation"))
    return [run]


def ma_crossover(cloud: Cloud) -> list[Run]:
    run = cloud.run("ma-crossover", {"start": "2022-01-01", "end": "2023-12-31"})
    assert run["output"]["backtest"] == {
        "initial_capital": 10000,
        "final_equity": 12585.3,
        "strategy_return_pct": 25.85,
        "buy_and_hold_equity": 10481.61,
        "buy_and_hold_return_pct": 4.82,
        "excess_return_pct": 21.03,
        "trades": 4,
        "orders": 9,
        "open_position": True,
        "start": "2022-01-03",
        "end": "2023-12-29",
    }
    assert run["output"]["signals"] == 9
    chart = run["output"]["chart"]
    assert chart == f"{PROJECT_DIR}/out/ma-crossover.png"
    with Image.open(io.BytesIO(s3_bytes(chart))) as png:
        assert (png.format, png.size) == ("PNG", (1200, 600))
    assert steps_of(run) == sorted((node, 0, "SUCCEEDED") for node in uses_nodes("ma-crossover"))
    return [run]


def api_extract(cloud: Cloud) -> list[Run]:
    fake_api = runpy.run_path(
        str(ROOT / "data" / "api" / "fake_api.py"), run_name="flowctl_fake_api"
    )
    boto3.client("s3").create_bucket(Bucket="flowctl-lake")
    with fake_api["serving"]() as api:
        run = cloud.run(
            "api-extract",
            {
                "source": "orders",
                "run_date": "2024-05-03",
                "base_url": api.base_url,
                "out_dir": "s3://flowctl-lake/raw",
            },
        )
    expected = API_EXPECTED["orders"]["2024-05-03"]
    path = "s3://flowctl-lake/raw/source=orders/date=20240503/part-0000.jsonl"
    assert run["output"] == {
        "source": "orders",
        "date": "2024-05-03",
        "rows": expected["rows"],
        "path": path,
    }
    records = [json.loads(line) for line in s3_text(path).splitlines()]
    assert len(records) == expected["rows"] and {r["order_date"] for r in records} == {"2024-05-03"}
    fetched = {s["node"]: s["output"] for s in run["steps"]}["fetch"]
    assert fetched["count"] == expected["returned"] and fetched["status"] == 200
    assert steps_of(run) == [
        ("fetch", 0, "SUCCEEDED"),
        ("transform", 0, "SUCCEEDED"),
        ("write", 0, "SUCCEEDED"),
    ]
    return [run]


def kyc(cloud: Cloud) -> list[Run]:
    run = cloud.run("kyc", {"users_file": "data/kyc/users.json", "threshold": 0.8})
    decisions = {p["user_id"]: p["status"] for p in run["output"]["profiles"]}
    assert decisions == {
        **{user: "verified" for user in KYC_EXPECTED["verified"]},
        **{user: "review" for user in KYC_EXPECTED["review"]},
    }
    summary = run["output"]["summary"]
    assert (summary["total"], summary["verified"]) == (8, len(KYC_EXPECTED["verified"]))
    assert sorted(summary["review"]) == KYC_EXPECTED["review"]
    # each user's profile was written to S3 by mark_profile
    for profile in run["output"]["profiles"]:
        assert json.loads(s3_text(profile["profile"]))["status"] == decisions[profile["user_id"]]
    # one step per node and user (index = the user's position); the switch took one branch each
    users = [u["id"] for u in {s["node"]: s["output"] for s in run["steps"]}["get-users"]["users"]]
    branch_node = {
        i: "verify-users/mark-verified"
        if decisions[u] == "verified"
        else "verify-users/flag-review"
        for i, u in enumerate(users)
    }
    per_user = ("verify-image", "face-detect", "face-match", "combine", "mark-profile")
    assert steps_of(run) == sorted(
        [("get-users", 0, "SUCCEEDED")]
        + [(f"verify-users/{node}", i, "SUCCEEDED") for i in range(8) for node in per_user]
        + [(node, i, "SUCCEEDED") for i, node in branch_node.items()]
    )
    return [run]


def kyc_verify(cloud: Cloud) -> list[Run]:
    user = {
        "id": "u004",
        "name": "Dara Nguyen",
        "image": "data/kyc/images/u004.png",
        "reference": "data/kyc/images/u004-reference.png",
    }
    run = cloud.run("kyc-verify", {"user": user})
    assert (run["output"]["user_id"], run["output"]["status"]) == ("u004", "review")
    assert run["output"]["reasons"][0].startswith("face does not match the reference")
    record = json.loads(s3_text(f"{PROJECT_DIR}/out/kyc/review/u004.json"))
    assert record["run_id"] == run["run_id"]
    assert [node for node, _, _ in steps_of(run)] == sorted(
        ["verify-image", "face-detect", "face-match", "combine", "flag-review", "mark-profile"]
    )
    return [run]


def order_totals(cloud: Cloud) -> list[Run]:
    from test_cloud_fanout import expected_totals, run_orders

    run = run_orders(cloud, 250)  # the 20,000 rows: test_cloud_fanout.py (slow)
    assert run["output"] == expected_totals(250)
    assert run["progress"] == {"price": {"succeeded": 250, "total": 250}}
    return [run]


# A Distributed Map's items run as child executions: their events are not in the run's history.
CHILD_EXECUTIONS = {"order-totals"}

def order_placed(cloud: Cloud) -> list[Run]:
    run = cloud.run("order-placed", {"order_id": "o-1001", "total": 120.5})
    assert run["output"] == {"order": "o-1001", "status": "confirmed", "shipping": "free"}
    return [run]


CASES: dict[str, Callable[[Cloud], list[Run]]] = {
    "order-totals": order_totals,
    "order-placed": order_placed,
    "liteflow-hello": hello,
    "liteflow-passing-data": passing_data,
    "liteflow-foreach": foreach,
    "liteflow-if": branch,
    "liteflow-while": loop,
    "liteflow-wait-event": wait_event,
    "reconciliation": reconciliation,
    "ma-crossover": ma_crossover,
    "api-extract": api_extract,
    "kyc": kyc,
    "kyc-verify": kyc_verify,
}


@pytest.mark.parametrize("flow", FLOWS)
def test_every_flow_runs_the_cloud_way(cloud: Cloud, flow: str) -> None:
    # GIVEN the flow deployed, WHEN a client runs it through the API (the case's own checks)
    assert flow in CASES, f"{flow} has no cloud-path case: add one to CASES"
    runs = CASES[flow](cloud)
    # THEN the tracker recorded the end of each run from its status events
    for run in runs:
        assert (run["flow"], run["status"], run["trigger"]) == (flow, "SUCCEEDED", "api")
        assert run["stopped_at"] and run["error"] is None
        assert {"run_id": run["run_id"], "status": "SUCCEEDED", "applied": True} in cloud.tracked
        # AND GET /runs/{id} shows every node invocation as a step with its status and output
        if flow not in CHILD_EXECUTIONS:
            assert_steps_match_history(cloud, run)
