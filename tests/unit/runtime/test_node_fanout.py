"""GIVEN @node called for foreach items WHEN they succeed or fail THEN progress counters and
aggregation items are written, and a fan-in node receives the aggregate as the full list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestrator.runtime import node
from orchestrator.runtime.fanout import AggregationError, aggregate_ref, register_store
from orchestrator.store import LocalRunStore


def _item(index: int, value: Any, *, aggregate: bool = True, attempt: int = 0, retry: dict | None = None) -> dict:
    context: dict[str, Any] = {"flow": "f", "node": "each", "run_id": "r1", "index": index, "attempt": attempt,
                               "fanout": "each"}
    if aggregate:
        context["aggregate"] = True
    if retry:
        context["retry"] = retry
    return {"input": value, "params": {}, "context": context}


@pytest.fixture
def store(tmp_path: Path):
    store = LocalRunStore(tmp_path / "runs.sqlite3")
    with register_store("r1", store):
        yield store


@node
def double(value: Any) -> Any:
    if value == "boom":
        raise ValueError("boom")
    return {"doubled": value * 2}


@node
def fan_in(inputs: dict[str, Any]) -> Any:
    return {"count": len(inputs["rows"]), "sum": sum(r["doubled"] for r in inputs["rows"])}


def test_aggregated_items_are_stored_counted_and_the_lambda_returns_null(store):
    # WHEN three items run out of order
    returned = [double(_item(i, i), None) for i in (2, 0, 1)]
    # THEN each returns null (the Map collects no outputs), the store has them in order
    assert returned == [None, None, None]
    assert list(store.iter_results("r1", "each")) == [{"doubled": 0}, {"doubled": 2}, {"doubled": 4}]
    assert store.get_progress("r1", "each") == {"succeeded": 3}
    # AND a fan-in node receives the full list through the reference, as if it were inline
    assert fan_in({"input": {"rows": aggregate_ref("r1", "each")}, "params": {},
                   "context": {"flow": "f", "node": "sum", "run_id": "r1"}}, None) == {"count": 3, "sum": 6}


def test_an_inline_foreach_item_returns_its_output_and_is_counted(store):
    assert double(_item(0, 5, aggregate=False), None) == {"doubled": 10}
    assert list(store.iter_results("r1", "each")) == []
    assert store.get_progress("r1", "each") == {"succeeded": 1}


def test_a_failure_is_counted_once_when_no_retry_is_left(store):
    retry = {"errors": ["ValueError"], "max_attempts": 2}
    for attempt in (0, 1):
        with pytest.raises(ValueError):
            double(_item(0, "boom", attempt=attempt, retry=retry), None)
    # an error the policy does not retry is final at once
    with pytest.raises(ValueError):
        double(_item(1, "boom", retry={"errors": ["KeyError"], "max_attempts": 3}), None)
    assert store.get_progress("r1", "each") == {"failed": 2}


def test_aggregating_without_a_run_store_fails_the_item_with_the_fix():
    with pytest.raises(AggregationError) as caught:
        double(_item(0, 1), None)
    assert "no run store is configured" in str(caught.value)


def test_a_batch_calls_the_function_once_per_item_and_stores_the_batch(tmp_path: Path, load_event) -> None:
    # GIVEN the payload a Distributed Map with ItemBatcher sends (events/node-foreach-batch.json)
    event = load_event("node-foreach-batch.json")
    run_id = event["context"]["run_id"]
    seen: list[tuple[int, Any]] = []

    @node
    def price(row: dict[str, Any], ctx: Any) -> dict[str, Any]:
        seen.append((ctx.index, row["order_id"]))
        return {"order_id": int(row["order_id"]), "cents": int(row["amount_cents"])}

    store = LocalRunStore(tmp_path / "runs.sqlite3")
    with register_store(run_id, store):
        # WHEN the Lambda is invoked with it
        returned = price(event, None)
    # THEN the function saw each item with its own index, the batch was stored and counted
    assert returned is None
    assert seen == [(100, "100"), (101, "101")]
    assert list(store.iter_results(run_id, "price")) == [
        {"order_id": 100, "cents": 91901}, {"order_id": 101, "cents": 99820}]
    assert store.get_progress(run_id, "price") == {"succeeded": 2}


def _first(index: int, **fanout: Any) -> dict:
    event = _item(index, index, aggregate=False)
    event["context"].update(fanout)
    return event


def test_the_first_item_records_the_total_the_compiler_knows(store):
    # GIVEN a foreach over a literal list of 3 (the compiler puts "total": 3 in the context)
    # WHEN its items run, the first one last
    for index in (2, 1):
        double(_first(index, total=3), None)
    assert store.get_progress("r1", "each") == {"succeeded": 2}
    double(_first(0, total=3), None)
    # THEN the first item recorded the total (the others do not write it)
    assert store.get_progress("r1", "each") == {"succeeded": 3, "total": 3}


def test_the_first_item_counts_the_items_of_the_object_it_reads(store, tmp_path: Path, monkeypatch):
    # GIVEN a foreach reading a CSV of 4 rows (and a blank line) from the project
    (tmp_path / "rows.csv").write_text("id,amount\n1,10\n2,20\n\n3,30\n4,40\n")
    monkeypatch.setenv("FLOWCTL_PROJECT_DIR", str(tmp_path))
    reader = {"Bucket": "${ProjectDataBucket}", "Key": "rows.csv",
              "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}}
    seen: list[dict[str, int]] = []

    @node
    def look(value: Any) -> Any:
        seen.append(store.get_progress("r1", "each"))
        return value

    # WHEN its first item runs
    look(_first(0, items_from=reader), None)
    # THEN the total was there before the function ran, as the ItemReader counts the rows
    assert seen == [{"total": 4}]
    assert store.get_progress("r1", "each") == {"total": 4, "succeeded": 1}


def test_a_total_already_recorded_is_kept_and_the_object_not_read(store):
    # GIVEN a total the local engine recorded when the Map started
    store.add_progress("r1", "each", {"total": 7})
    # WHEN the first item runs again (a retry), naming an object that does not exist
    reader = {"Bucket": "no-such-bucket", "Key": "rows.csv", "ReaderConfig": {"InputType": "CSV"}}
    double(_first(0, items_from=reader, total=99), None)
    # THEN the recorded total stands
    assert store.get_progress("r1", "each") == {"total": 7, "succeeded": 1}


def test_an_object_that_cannot_be_counted_does_not_fail_the_item(store, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("FLOWCTL_PROJECT_DIR", str(tmp_path))
    reader = {"Bucket": "", "Key": "missing.csv", "ReaderConfig": {"InputType": "CSV"}}
    assert double(_first(0, items_from=reader), None) == {"doubled": 0}
    assert store.get_progress("r1", "each") == {"succeeded": 1}
