"""The step key of the single-table layout: one item per node invocation, in order."""

from __future__ import annotations

from orchestrator.store import items as it


def test_step_keys_sort_by_item_round_and_attempt_and_select_one_node():
    # GIVEN invocations of fetch in the order they happen: by item, then round, then attempt
    order = [(0, 0, 2), (0, 0, 10), (0, 1, 0), (2, 0, 0), (10, 0, 0)]
    keys = [it.step_sk("fetch", index, redrive, attempt) for index, redrive, attempt in order]
    # THEN their keys sort the same way (attempt 10 after 2, item 10 after 2) and are distinct
    assert sorted(keys) == keys and len(set(keys)) == len(keys)
    # AND the prefix STEP#<node># selects that node's steps only
    assert all(k.startswith("STEP#fetch#") for k in keys)
    assert not it.step_sk("fetch-all", 0, 0, 0).startswith("STEP#fetch#")


def test_a_step_sort_key_s_tail_is_its_numbers_zero_padded() -> None:
    for index, redrive, attempt in [(0, 0, 0), (7, 1, 2), (123456789, 12345, 99999), (-5, -1, 0), (True, False, 1)]:
        assert it.step_sk_tail(index, redrive, attempt) == f"{index:08d}#{redrive:04d}#{attempt:04d}"
