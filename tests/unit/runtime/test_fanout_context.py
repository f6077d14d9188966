"""Fanout.from_context: the foreach settings of an item's payload context."""

from __future__ import annotations

import pytest

from orchestrator.runtime.fanout import Fanout


def _context(**settings: object) -> dict[str, object]:
    return {"flow": "f", "node": "each", "run_id": "r1", "attempt": 0, "index": 3, "fanout": "each", **settings}


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, Fanout("each")),
        ({"total": 7}, Fanout("each", total=7)),
        ({"aggregate": True, "batch": True}, Fanout("each", aggregate=True, batch=True)),
        ({"aggregate": 1, "total": True}, Fanout("each", aggregate=True)),  # (truthy; a bool is no total)
        ({"aggregate": None, "total": None}, Fanout("each")),
        ({"retry": {"errors": ["States.ALL"], "max_attempts": 3}, "total": 2},
         Fanout("each", retry_errors=("States.ALL",), max_attempts=3, total=2)),
        ({"items_from": {"Bucket": "b", "Key": "k"}}, Fanout("each", items_from={"Bucket": "b", "Key": "k"})),
    ],
)
def test_each_item_reads_its_foreach_settings(settings: dict[str, object], expected: Fanout) -> None:
    # GIVEN the payload contexts of two items of one foreach
    # WHEN each is read (the first and every later one)
    first = Fanout.from_context(_context(**settings))
    again = Fanout.from_context({**_context(**settings), "index": 4, "attempt": 1})
    # THEN both carry the foreach's settings
    assert first == expected
    assert again == expected


def test_a_context_without_a_foreach_has_no_fanout() -> None:
    assert Fanout.from_context({"node": "n"}) is None
    assert Fanout.from_context({"fanout": ""}) is None
    assert Fanout.from_context({"fanout": 3}) is None
