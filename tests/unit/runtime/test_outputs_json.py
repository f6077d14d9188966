"""GIVEN values a node function may return WHEN checked THEN the first non-JSON value is named
by its key path, with a fix."""

from __future__ import annotations

import datetime
import decimal

import pytest

from orchestrator.runtime.outputs import (
    OutputNotJsonError,
    check_json_output,
    is_json,
    non_json_value,
)


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"a": {"b": [1, 2, {"c": datetime.date(2026, 1, 1)}]}}, "$.a.b[2].c"),
        ([decimal.Decimal("1.5")], "$[0]"),
        ({"x y": {1, 2}}, "$['x y']"),
        ({"n": float("nan")}, "$.n"),
        ({1: "int key"}, "$[1]"),
    ],
)
def test_the_first_non_json_value_is_found_by_its_path(value: object, path: str) -> None:
    found = non_json_value(value)
    assert found is not None and found[0] == path
    assert not is_json(value)


@pytest.mark.parametrize(
    "value",
    [None, True, 0, -1.5, "", [], {}, (1, "a"), {"a": [{"b": [None, False, 2.5e300]}], "c": "é"},
     [float("inf")], {"a": [1, float("-inf")]}, {"a": {(1, 2): 3}}, [[[b"x"]]], {"s": {1}}],
)
def test_is_json_says_what_non_json_value_finds(value: object) -> None:
    # GIVEN values JSON can carry and values it cannot, at any depth
    # THEN the quick check agrees with the search for the first bad value
    assert is_json(value) is (non_json_value(value) is None)


def test_json_values_pass() -> None:
    assert non_json_value({"a": [1, 2.5, "s", True, None, (1, 2)], "b": {}}) is None
    check_json_output("n", {"ok": True})


def test_the_error_names_the_node_path_and_fix() -> None:
    with pytest.raises(OutputNotJsonError, match=r"node 'load' returned a value that is not JSON at \$\.when: datetime"):
        check_json_output("load", {"when": datetime.datetime(2026, 1, 1)})
