"""The JSONata engines behind ``{% %}`` expressions: jlens where it is installed, jsonata-python
otherwise (and for what jlens cannot parse). GIVEN either engine THEN a state sees the same
results and the same errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from orchestrator import run_state_machine
from orchestrator.engine import definition, jsonata_expr, jsonata_jlens


@pytest.fixture(params=["jlens", "jsonata-python"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "jlens" and not jsonata_jlens._jlens():
        pytest.skip("jlens is not installed on this platform")
    if request.param == "jsonata-python":
        monkeypatch.setattr(jsonata_jlens, "_loaded", False)
    # Compiled expressions, and loaded machines holding them, remember their engine.
    monkeypatch.setattr(jsonata_expr, "_cache", {})
    monkeypatch.setattr(definition, "_machines", {})
    yield request.param


def _output(expression: str, value: Any = None) -> Any:
    definition = {"QueryLanguage": "JSONata", "StartAt": "P",
                  "States": {"P": {"Type": "Pass", "Output": {"v": "{% " + expression + " %}"}, "End": True}}}
    return run_state_machine(definition, value if value is not None else {})


@pytest.mark.parametrize(("expression", "expected"), [
    ("$sum($map($states.input.b[$ > 1], function($v) { $v * 2 }))", 10),
    ("$states.input.orders[price > 10].name", "b"),  # a one-item sequence is that item
    ("$partition([1, 2, 3], 2)", [[1, 2], [3]]),
    ("$range(1, 1, 1)", 1),
    ("$range(0, 4, 2)", [0, 2, 4]),
    ("$parse('{\"a\": null}')", {"a": None}),
    ("$states.input.missing = null ? 'x' : null", None),
    ("$replace('a-b', /(?<=a)-/, '+')", "a+b"),  # look-behind: jlens cannot parse it, jsonata-python takes it
])
def test_both_engines_give_the_same_results(engine: str, expression: str, expected: Any) -> None:
    value = {"b": [1, 2, 3], "orders": [{"name": "a", "price": 5}, {"name": "b", "price": 20}]}
    result = _output(expression, value)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"v": expected}


@pytest.mark.parametrize(("expression", "says"), [
    ("$nothing", "returned nothing (undefined)"),
    ("function($x) { $x }", "returned an unsupported result type"),
    ("$sum('a')", "T0412"),
    ("$partition('a', 2)", "Invalid arguments in $partition"),
])
def test_both_engines_fail_a_state_alike(engine: str, expression: str, says: str) -> None:
    result = _output(expression)
    assert result.status == "FAILED"
    assert result.error == "States.QueryEvaluationError"
    assert says in result.cause
