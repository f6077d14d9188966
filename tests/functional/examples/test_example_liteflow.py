"""GIVEN LiteFlow's samples as flows (hello, passing data, wait for an event, foreach, if, while)
WHEN they run with `flowctl run` THEN each gives LiteFlow's result, and a waiting run is resumed
by an event published from another process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_hello(run_flow) -> None:
    assert run_flow("liteflow-hello").output == "Hello, World!"
    assert run_flow("liteflow-hello", "-p", "name=LiteFlow").output == "Hello, LiteFlow!"


def test_passing_data_adds_two_numbers_and_the_next_node_reads_the_sum(run_flow, store) -> None:
    run = run_flow("liteflow-passing-data", "-p", "a=2", "-p", "b=3")
    assert run.output == {"sum": 5, "text": "2 + 3 = 5"}
    steps = {s.node: s.output for s in store.get_run(run.run_id).steps}
    assert steps["add"]["input"] == {"a": 2, "b": 3}
    assert steps["add"]["output"] == {"a": 2, "b": 3, "sum": 5}
    assert steps["describe"]["output"] == {"sum": 5, "text": "2 + 3 = 5"}
    # AND a missing addend is refused before anything runs
    missing = run_flow("liteflow-passing-data", "-p", "a=2")
    assert missing.exit_code == 1 and "/params/b" in missing.stderr


def test_wait_for_event_is_resumed_from_a_second_process(spawn, store, parked) -> None:
    # GIVEN a `flowctl run` process parked on its wait_for node (event1, key1)
    waiting = spawn("run", "flows/liteflow-wait-event.json", "-q")
    run_id = parked(store, waiting, "event1", "key1").run_id
    assert store.get_run(run_id).status == "RUNNING"
    # WHEN another process publishes event1 for key1
    publish = spawn("events", "publish", "event1", "--key", "key1", "--data", '{"order": 42, "paid": true}')
    published_out, _ = publish.communicate(timeout=30)
    # THEN the publisher says whom it delivered to, and the run completes with the event's data
    assert publish.returncode == 0 and f"delivered to {run_id}" in published_out
    out, err = waiting.communicate(timeout=30)
    assert waiting.returncode == 0, err
    assert json.loads(out) == {"event": "event1", "key": "key1", "data": {"order": 42, "paid": True}}
    assert store.get_run(run_id).status == "SUCCEEDED"


def test_an_event_published_before_the_run_waits_is_delivered_once(flowctl, run_flow, store) -> None:
    # GIVEN event1/early published while nobody waits for it
    published = flowctl("events", "publish", "event1", "--key", "early", "--data", '{"early": true}')
    assert "buffered" in published.stdout
    # WHEN a run reaches its wait_for node for that key
    output = run_flow("liteflow-wait-event", "-p", "key=early").output
    # THEN it receives the kept event at once, and the event is used up
    assert output == {"event": "event1", "key": "early", "data": {"early": True}}
    assert store.list_buffered_events("event1", "early") == []


def test_foreach_processes_every_item(run_flow, store) -> None:
    run = run_flow("liteflow-foreach")
    assert run.output == [
        {"index": 0, "item": "abc", "upper": "ABC", "length": 3},
        {"index": 1, "item": "def", "upper": "DEF", "length": 3},
        {"index": 2, "item": "xyz", "upper": "XYZ", "length": 3},
    ]
    assert sorted(s.index for s in store.get_run(run.run_id).steps if s.node == "each/do") == [0, 1, 2]
    assert run_flow("liteflow-foreach", "--input", '{"items": ["solo"]}').output == [
        {"index": 0, "item": "solo", "upper": "SOLO", "length": 4},
    ]


@pytest.mark.parametrize(("n", "taken", "skipped"), [(9, "big", "small"), (7, "big", "small"), (5, "small", "big"), (1, "small", "big")])
def test_if_takes_exactly_one_branch(run_flow, store, n: int, taken: str, skipped: str) -> None:
    run = run_flow("liteflow-if", "-p", f"n={n}")
    assert run.output == {"size": taken, "n": n}
    statuses = {s.node: s.status for s in store.get_run(run.run_id).steps}
    assert (statuses[taken], statuses[skipped]) == ("SUCCEEDED", "SKIPPED")


def test_while_counts_until_the_limit(run_flow, store) -> None:
    run = run_flow("liteflow-while")
    assert run.output == {"count": 3}
    iterations = [s.output["output"]["count"] for s in store.get_run(run.run_id).steps if s.node == "counter/do"]
    assert sorted(iterations) == [1, 2, 3]
    assert run_flow("liteflow-while", "-p", "limit=5").output == {"count": 5}


def test_every_liteflow_sample_is_tested() -> None:
    flows = {p.stem for p in (Path(__file__).resolve().parents[3] / "flows").glob("liteflow-*.json")}
    assert flows == {"liteflow-hello", "liteflow-passing-data", "liteflow-wait-event", "liteflow-foreach", "liteflow-if", "liteflow-while"}
