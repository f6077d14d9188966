"""GIVEN the sample orders and customers served over HTTP on 127.0.0.1 WHEN the api-extract flow
(ddeutil-workflow's scheduled, parameterised extract) runs with `flowctl run` THEN one day of
clean records lands in its ``source=X/date=YYYYMMDD`` partition, a flaky API is retried per the
fetch node's retry policy, and an API that stays down fails the run clearly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orchestrator.compiler import compile_flow_file
from orchestrator.engine import VirtualClock
from orchestrator.flowlang.project import Project
from orchestrator.local.runner import LocalRunner

ROOT = Path(__file__).resolve().parents[3]
FLOW = ROOT / "flows" / "api-extract.json"
ORDERS_OF_MAY_3 = [  # the API's orders of 2024-05-03 (Bangkok time), in its order, less one without an id
    "O-100039", "O-100036", "O-100034", "O-100031", "O-100032", "O-100028",
    "O-100027", "O-100030", "O-100029", "O-100035", "O-100038", "O-100037",
]


def partition(out_dir: Path, source: str, day: str) -> list[dict]:
    path = out_dir / f"source={source}" / f"date={day}" / "part-0000.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_one_day_of_orders_lands_in_its_partition(run_flow, fake_api, out_dir: Path) -> None:
    with fake_api.serving() as api:
        # WHEN the orders of 2024-05-03 are extracted
        output = run_flow("api-extract", "-p", "source=orders", "-p", "run_date=2024-05-03",
                          "-p", f"base_url={api.base_url}", "-p", f"out_dir={out_dir}").output
    # THEN the 12 valid orders of that day are written as JSON Lines in its partition
    target = out_dir / "source=orders" / "date=20240503" / "part-0000.jsonl"
    assert output == {"source": "orders", "date": "2024-05-03", "rows": 12, "path": str(target)}
    rows = partition(out_dir, "orders", "20240503")
    assert [r["order_id"] for r in rows] == ORDERS_OF_MAY_3
    # AND each row is cleaned and typed ("7,761.82" → 7761.82, "thb" → "THB", "2" → 2, UTC instant)
    assert rows[1] == {
        "order_id": "O-100036", "customer_id": 29, "order_date": "2024-05-03", "ordered_at": "2024-05-02T20:41:00Z",
        "amount": 7761.82, "currency": "THB", "status": "pending", "items": 2,
    }
    assert sorted(p.name for p in out_dir.rglob("*") if p.is_file()) == ["part-0000.jsonl"]


def test_the_source_parameter_picks_the_resource(run_flow, fake_api, out_dir: Path) -> None:
    with fake_api.serving() as api:
        output = run_flow("api-extract", "-p", "source=customers", "-p", "run_date=2024-05-01",
                          "-p", f"base_url={api.base_url}", "-p", f"out_dir={out_dir}").output
    assert output["rows"] == 6
    rows = partition(out_dir, "customers", "20240501")
    assert len(rows) == 6 and all(set(r) == {"customer_id", "name", "email", "country", "signup_date", "updated_at"} for r in rows)
    # AND a source the flow does not know is refused before anything runs
    bad = run_flow("api-extract", "-p", "source=invoices")
    assert bad.exit_code == 1 and "/params/source" in bad.stderr and "Traceback" not in bad.stderr


def test_a_scheduled_run_extracts_the_day_of_its_scheduled_time(run_flow, fake_api, out_dir: Path) -> None:
    # GIVEN the input EventBridge Scheduler gives the 02:00 Bangkok run of 2024-05-03: the
    # schedule's input plus run_date = the scheduled time, in UTC
    schedule = json.loads(FLOW.read_text())["schedules"][0]
    assert (schedule["cron"], schedule["timezone"], schedule["time_param"]) == ("0 2 * * ? *", "Asia/Bangkok", "run_date")
    scheduled = {**schedule["input"], "run_date": "2024-05-02T19:00:00Z"}
    with fake_api.serving() as api:
        output = run_flow("api-extract", "--input", json.dumps(scheduled),
                          "-p", f"base_url={api.base_url}", "-p", f"out_dir={out_dir}").output
    # THEN it extracts 2024-05-03, the day in the schedule's time zone
    assert (output["date"], output["rows"]) == ("2024-05-03", 12)
    assert output["path"].endswith("/source=orders/date=20240503/part-0000.jsonl")


def test_a_manual_run_without_run_date_extracts_today_in_bangkok(run_flow, fake_api, out_dir: Path) -> None:
    def bangkok_today() -> str:
        return (datetime.now(UTC) + timedelta(hours=7)).date().isoformat()

    before = bangkok_today()
    with fake_api.serving() as api:
        output = run_flow("api-extract", "-p", f"base_url={api.base_url}", "-p", f"out_dir={out_dir}").output
    assert output["date"] in {before, bangkok_today()}
    assert output["source"] == "orders" and output["rows"] == 0  # the sample data is of May 2024


def test_a_failing_api_is_retried_per_the_retry_policy(fake_api, out_dir: Path) -> None:
    # GIVEN an API that answers 503 to its first two requests
    compiled = compile_flow_file(FLOW)
    runner = LocalRunner(Project.for_flow(FLOW), None, clock=VirtualClock(start=0.0))
    with fake_api.serving(fail_first=2) as api:
        run = runner.run(compiled, {"run_date": "2024-05-03", "base_url": api.base_url, "out_dir": str(out_dir)})
        requests = api.requests
    # THEN fetch is retried (retry: interval 1 s, backoff 2) and the third attempt succeeds
    assert run.status == "SUCCEEDED" and run.output["rows"] == 12 and requests == 3
    fetch_events = [e for e in run.history if e["type"] in ("TaskScheduled", "TaskFailed", "TaskSucceeded")][:6]
    assert [(e["type"], e["timestamp"]) for e in fetch_events] == [
        ("TaskScheduled", 0.0), ("TaskFailed", 0.0),
        ("TaskScheduled", 1.0), ("TaskFailed", 1.0),
        ("TaskScheduled", 3.0), ("TaskSucceeded", fetch_events[5]["timestamp"]),
    ]
    assert [json.loads(e["taskFailedEventDetails"]["cause"])["errorType"] for e in fetch_events if e["type"] == "TaskFailed"] == ["HttpError", "HttpError"]
    assert len(partition(out_dir, "orders", "20240503")) == 12


def test_an_api_that_stays_down_fails_the_run(run_flow, store, fake_api, out_dir: Path, virtual_time: None) -> None:
    # GIVEN an API that answers 503 to every request
    with fake_api.serving(fail_first=1000) as api:
        run = run_flow("api-extract", "-p", "run_date=2024-05-03", "-p", f"base_url={api.base_url}", "-p", f"out_dir={out_dir}")
        requests = api.requests
    # THEN fetch gives up after its 4 attempts and the run fails with the API's answer, exit code 1
    assert run.exit_code == 1 and requests == 4
    verdict = run.stderr[run.stderr.index(f"FAILED run {run.run_id}"):]  # after the nodes' own log lines
    assert f"HttpError: GET {api.base_url}/orders?date=2024-05-03 answered 503 Service Unavailable" in verdict
    assert "Traceback" not in verdict
    assert f"flowctl redrive {run.run_id}" in verdict
    recorded = store.get_run(run.run_id)
    assert recorded.status == "FAILED" and recorded.error == "HttpError"
    assert [(s.attempt, s.status) for s in recorded.steps if s.node == "fetch"] == [(n, "FAILED") for n in range(4)]
    # AND nothing was written
    assert not any(out_dir.iterdir())
