"""Aggregated foreach results and progress: the same contract on both backends."""

from __future__ import annotations

from orchestrator.store import Run
from orchestrator.store.models import progress_text


def test_results_come_back_in_item_order_whatever_the_write_order(make_store):
    # GIVEN items of a fan-out finishing out of order, through two store instances (two Lambdas)
    a, b = make_store(), make_store()
    a.create_run(Run(run_id="r1", flow="f"))
    for index in (12, 3, 100, 0, 7):
        (a if index % 2 else b).put_result("r1", "each", index, {"i": index})
    # a node whose id starts like this one's is another node
    a.put_result("r1", "each-2", 1, {"other": True})
    # WHEN the fan-in reads them
    found = list(b.iter_results("r1", "each"))
    # THEN they are in the items' order, only this node's
    assert found == [{"i": 0}, {"i": 3}, {"i": 7}, {"i": 12}, {"i": 100}]


def test_a_retried_item_overwrites_its_result_and_none_is_kept(make_store):
    store = make_store()
    store.put_result("r1", "each", 0, {"try": 1})
    store.put_result("r1", "each", 0, {"try": 2})
    store.put_result("r1", "each", 1, None)
    assert list(store.iter_results("r1", "each")) == [{"try": 2}, None]


def test_a_large_result_is_offloaded_and_read_back_as_its_ref(make_store):
    # GIVEN a store whose inline limit is small, with an offloader
    stored: dict[str, object] = {}

    def offload(value, hint):
        stored[hint] = value
        return {"$ref": f"file:///{hint}.json"}

    store = make_store(inline_limit=50, offload=offload)
    # WHEN an item's output is larger than the limit
    store.put_result("r1", "each", 4, {"blob": "x" * 200})
    # THEN the item holds a ref (resolved by @node like any offloaded output)
    assert list(store.iter_results("r1", "each")) == [{"$ref": "file:///runs/r1/results/each/4.json"}]
    assert stored["runs/r1/results/each/4"] == {"blob": "x" * 200}


def test_progress_of_a_run_lists_its_fanout_nodes_not_its_results(make_store):
    store = make_store()
    store.create_run(Run(run_id="r1", flow="f"))
    store.add_progress("r1", "each", {"total": 3})
    for index in range(3):
        store.put_result("r1", "each", index, index)
        store.add_progress("r1", "each", {"succeeded": 1})
    assert store.get_run("r1").progress == {"each": {"total": 3, "succeeded": 3}}
    assert store.list_progress("r1", ["each", "other"]) == {"each": {"total": 3, "succeeded": 3}}


def test_progress_reads_like_a_count_of_items():
    assert progress_text({"total": 20000, "succeeded": 1234}) == "1,234/20,000"
    assert progress_text({"total": 10, "succeeded": 7, "failed": 3}) == "7/10, 3 failed"
    # no total recorded yet (the first item has not started): the items done stand in for it
    assert progress_text({"succeeded": 5}) == "5/5"


def test_a_foreach_total_is_recorded_once_the_first_writer_wins(make_store):
    # GIVEN two Lambdas of the same run (a retried first item)
    a, b = make_store(), make_store()
    a.add_progress("r1", "each", {"succeeded": 2})
    # WHEN both record the item count
    assert a.set_progress_total("r1", "each", 5) == {"succeeded": 2, "total": 5}
    assert b.set_progress_total("r1", "each", 6) == {"succeeded": 2, "total": 5}
    # THEN the first count stays and the counters still add up
    b.add_progress("r1", "each", {"succeeded": 1})
    assert a.get_progress("r1", "each") == {"succeeded": 3, "total": 5}
    assert progress_text(a.get_progress("r1", "each")) == "3/5"
