"""The fast paths of JSONata states give what the full evaluation gives: a template built
straight from the variables, a ``set`` node's Assign taking the value its Output computed, a
JSONata Pass's own pipeline, the variable reader of nested scopes, and the cached JSON encoder."""

from __future__ import annotations

import math
from typing import Any

import pytest

from orchestrator import run_state_machine
from orchestrator.engine.jsonvalue import object_text, to_json
from orchestrator.engine.scope import Variables


def _run(states: dict[str, Any], value: Any = None) -> Any:
    return run_state_machine({"QueryLanguage": "JSONata", "StartAt": "A", "States": states}, value or {})


def _exited(result: Any, name: str) -> dict[str, Any]:
    return next(e["stateExitedEventDetails"] for e in result.history
                if e["type"].endswith("StateExited") and e["stateExitedEventDetails"]["name"] == name)


def test_a_set_node_assigns_the_value_its_output_computed() -> None:
    # GIVEN a compiled set node: Assign {s1: T} and Output T with the same template T
    template = {"count": "{% $s0.count + 1 %}", "label": "{% $s0.label %}", "fixed": {"k": [1, 2]}}
    result = _run({
        "A": {"Type": "Pass", "Assign": {"s0": {"count": 41, "label": "x"}}, "Next": "B"},
        "B": {"Type": "Pass", "Assign": {"s1": template}, "Output": template, "Next": "C"},
        "C": {"Type": "Pass", "Output": "{% $s1 %}", "End": True},
    })
    # THEN the variable and the output are the same value, shown once in the history
    expected = {"count": 42, "label": "x", "fixed": {"k": [1, 2]}}
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == expected
    details = _exited(result, "B")
    assert details["assignedVariables"] == {"s1": to_json(expected)}
    assert details["output"] == to_json(expected)


@pytest.mark.parametrize(("s0", "says"), [
    ({"count": "41", "label": "x"}, "threw an error during evaluation"),  # "41" + 1: JSONata's error
    ({"label": "x"}, "returned nothing (undefined)"),  # a key missing
])
def test_a_template_the_fast_path_is_unsure_of_gets_the_full_evaluations_error(s0: Any, says: str) -> None:
    template = {"count": "{% $s0.count + 1 %}", "label": "{% $s0.label %}"}
    result = _run({
        "A": {"Type": "Pass", "Assign": {"s0": s0}, "Next": "B"},
        "B": {"Type": "Pass", "Assign": {"s1": template}, "Output": template, "End": True},
    })
    assert result.status == "FAILED"
    assert result.error == "States.QueryEvaluationError"
    assert says in result.cause
    assert "'Output/count'" in result.cause


def test_a_template_falls_back_whole_and_still_gives_the_value() -> None:
    # GIVEN an Assign whose first part is sure and whose second is not (an array on the path)
    result = _run({
        "A": {"Type": "Pass", "Assign": {"o": {"l": [{"v": 1}, {"v": 2}]}, "x": 1}, "Next": "B"},
        "B": {"Type": "Pass", "Assign": {"y": {"a": "{% $x + 1 %}", "b": "{% $o.l.v %}"}, "x": "{% $x + 1 %}"},
              "Output": {"x": "{% $x %}"}, "Next": "C"},
        "C": {"Type": "Pass", "Output": {"y": "{% $y %}", "x": "{% $x %}"}, "End": True},
    })
    # THEN the interpreter decides the unsure part, and B's own Output sees the old variables
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"y": {"a": 2, "b": [1, 2]}, "x": 2}
    assert _exited(result, "B")["output"] == '{"x":1}'


def test_a_jsonata_pass_without_output_passes_its_input_and_assigns() -> None:
    result = _run({
        "A": {"Type": "Pass", "Assign": {"x": 0}, "Next": "B"},
        "B": {"Type": "Pass", "Assign": {"x": "{% $x + 1 %}"}, "Next": "C"},
        "C": {"Type": "Pass", "Output": {"in": "{% $states.input %}", "x": "{% $x %}"}, "End": True},
    }, {"a": 1})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"in": {"a": 1}, "x": 1}
    assert _exited(result, "B")["assignedVariables"] == {"x": "1"}


def test_a_nested_scope_reads_its_own_variables_then_the_outer_ones() -> None:
    outer = Variables()
    outer.assign({"a": 1, "b": 2})
    inner = outer.child().child()
    inner.assign({"b": 3})
    isolated = outer.child(isolated=True)
    assert (inner.read("a"), inner.read("b"), outer.read("b")) == (1, 3, 2)
    assert {name: inner.read(name) for name in ("a", "b")} == inner.snapshot()
    with pytest.raises(KeyError):
        inner.read("c")
    with pytest.raises(KeyError):
        isolated.read("a")


def test_a_map_iteration_reads_the_outer_variables_quickly() -> None:
    result = _run({
        "A": {"Type": "Pass", "Assign": {"step": 10}, "Next": "M"},
        "M": {"Type": "Map", "Items": [1, 2],
              "ItemProcessor": {"StartAt": "P", "States": {
                  "P": {"Type": "Pass", "Assign": {"v": "{% $states.input * $step %}"}, "Next": "Q"},
                  "Q": {"Type": "Pass", "Output": {"v": "{% $v + $step %}"}, "End": True}}},
              "End": True},
    })
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == [{"v": 20}, {"v": 30}]


def test_the_json_text_is_the_encoders() -> None:
    assert to_json({"a": [1, 2.5, "é", None, True], "b": {}}) == '{"a":[1,2.5,"é",null,true],"b":{}}'
    assert to_json("q\"") == '"q\\""'
    assert to_json(12) == "12"
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="Circular reference"):
        to_json(cycle)
    assert to_json(math.nan) == "NaN"  # not JSON: the lenient text, as before


@pytest.mark.parametrize("value", [
    {"count": 3, "label": "start"},  # a set node's: the unrolled path
    {"count": -2**60, "label": "é\"\n\u2028"},
    {"count": 1.5, "label": None},
    {"count": True, "label": ["x", {"y": math.nan}]},
    {"só": "a"},
    {"n": 7},
    {"a": 1, "b": "two", "c": [3], "d": {"e": False}},
])
def test_a_template_s_object_text_is_its_json_text(value: dict[str, Any]) -> None:
    # GIVEN the text function of a template with these keys, in this order
    text = object_text(tuple(value))
    # THEN the object the template builds is written as the encoder writes it
    assert text(value) == to_json(value)
    assert object_text(()) is to_json
    assert object_text(tuple(value)) is text  # shared by the templates of these keys


def test_a_jsonata_pass_writes_its_template_s_output_as_json() -> None:
    result = _run({
        "A": {"Type": "Pass", "Assign": {"s0": {"count": 1, "label": "é"}}, "Next": "B"},
        "B": {"Type": "Pass", "Output": {"count": "{% $s0.count + 0.5 %}", "label": "{% $s0.label %}"}, "Next": "C"},
        "C": {"Type": "Pass", "Output": {"l": "{% [$s0.label] %}", "n": "{% null %}", "t": "{% true %}"}, "End": True},
    })
    assert result.status == "SUCCEEDED", result.cause
    assert _exited(result, "B")["output"] == '{"count":1.5,"label":"é"}'
    assert _exited(result, "C")["output"] == '{"l":["é"],"n":null,"t":true}'


def test_each_shape_of_a_jsonata_pass_gives_its_output_and_assignments() -> None:
    # GIVEN JSONata Passes with nothing, Output only, Output and another Assign, Assign only
    result = _run({
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Pass", "Output": {"v": "{% $states.input.v + 1 %}"}, "Next": "C"},
        "C": {"Type": "Pass", "Output": {"v": "{% $states.input.v * 10 %}"}, "Assign": {"old": "{% $states.input.v %}"}, "Next": "D"},
        "D": {"Type": "Pass", "Assign": {"x": "{% $old + 1 %}", "y": "{% $states.input %}"}, "Next": "E"},
        "E": {"Type": "Pass", "Output": {"x": "{% $x %}", "y": "{% $y %}", "old": "{% $old %}"}, "End": True},
    }, {"v": 1})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"x": 3, "y": {"v": 20}, "old": 2}
    assert "assignedVariables" not in _exited(result, "A")
    assert _exited(result, "C")["assignedVariables"] == {"old": "2"}
    assert _exited(result, "D")["assignedVariables"] == {"x": "3", "y": '{"v":20}'}
    assert _exited(result, "D")["assignedVariablesDetails"] == {"truncated": False}
