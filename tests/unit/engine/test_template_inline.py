"""A JSONata object template of native expressions is one generated function: it gives what
the closures of the native path give, falls back whole to the full evaluation when unsure,
and its source holds no text of the definition."""

from __future__ import annotations

import re
from typing import Any

import pytest

from orchestrator import run_state_machine
from orchestrator.engine.errors import StatesError
from orchestrator.engine.payload_templates import compile_jsonata_value
from orchestrator.engine.scope import Env, Variables
from orchestrator.engine.template_inline import inline_object, inline_outcome
from orchestrator.jsonata_native import SAFE_INTEGER, parse_native


def _env(**variables: Any) -> Env:
    scope = Variables()
    scope.assign(variables)
    return Env({"in": 1}, scope, lambda: {})


def _template(template: dict[str, Any]) -> Any:
    evaluate = compile_jsonata_value(template, "/States/S/Output", "Output")
    assert hasattr(evaluate, "source")  # the generated path
    return evaluate


SET_NODE = {"count": "{% $s0.count + 1 %}", "label": "{% $s0.label %}", "fixed": {"k": [1, 2]}}


def test_a_set_node_template_is_built_from_the_variables() -> None:
    evaluate = _template(SET_NODE)
    assert evaluate(_env(s0={"count": 41, "label": "x"})) == {"count": 42, "label": "x", "fixed": {"k": [1, 2]}}
    # the expression of each part is what JSONata gives, the other operators included
    evaluate = _template({
        "f": "{% $n * 2 %}", "g": "{% $n - 3 %}", "h": "{% $n / 4 %}", "s": "{% $a & 'b' %}",
        "c": "{% $n > 1 ? 'big' : 'small' %}", "e": "{% $exists($o.p) %}", "d": "{% $o.p.q %}",
        "b": "{% ($y := $n + 1; $y * $y) %}", "x": "{% $x + 1.5 %}", "m": "{% -$n %}",
    })
    value = evaluate(_env(n=6, a="a", o={"p": {"q": None}}, x=1))
    assert value == {"f": 12, "g": 3, "h": 1.5, "s": "ab", "c": "big", "e": True, "d": None,
                     "b": 49, "x": 2.5, "m": -6}


@pytest.mark.parametrize(("variables", "says"), [
    ({}, "returned nothing (undefined)"),  # $s0 unset
    ({"s0": {"label": "x"}}, "returned nothing (undefined)"),  # a key missing
    ({"s0": {"count": "41", "label": "x"}}, "threw an error during evaluation"),  # "41" + 1
    ({"s0": [{"count": 1, "label": "x"}]}, None),  # an array on the path: JSONata maps over it
    ({"s0": {"count": SAFE_INTEGER - 1, "label": "x"}}, None),  # the sum is not a safe integer
])
def test_an_unsure_template_falls_back_whole_to_the_full_evaluation(variables: dict[str, Any], says: str | None) -> None:
    evaluate = _template(SET_NODE)
    full = compile_jsonata_value(SET_NODE, "/States/S/Output", "Output")
    calls: list[Env] = []

    def spy(env: Env) -> Any:
        calls.append(env)
        return {"full": True}

    inlined = inline_object([(k, parse_native(v[2:-2]) if isinstance(v, str) else ("const", v))
                             for k, v in SET_NODE.items()], spy)
    env = _env(**variables)
    assert inlined(env) == {"full": True} and calls == [env]
    if says is None:
        assert evaluate(env) == full(env)  # the interpreter's value
    else:
        with pytest.raises(StatesError, match=re.escape(says)):
            evaluate(env)


def test_templates_of_one_shape_share_their_code_and_keep_their_own_constants() -> None:
    one = _template({"count": "{% $s0.count + 1 %}", "label": "{% $s0.label %}"})
    two = _template({"total": "{% $s1.count + 5 %}", "name": "{% $s1.label %}"})
    assert one.__code__ is two.__code__  # specialized once by the interpreter
    s0, s1 = {"count": 1, "label": "a"}, {"count": 10, "label": "b"}
    assert one(_env(s0=s0, s1=s1)) == {"count": 2, "label": "a"}
    assert two(_env(s0=s0, s1=s1)) == {"total": 15, "name": "b"}


def test_the_generated_source_holds_no_text_of_the_definition() -> None:
    key = "x'] ; import os  # \n\"\"\""
    evaluate = _template({key: "{% $evil_name.other + 7 %}", "k2": "{% $evil_name %}"})
    for text in ("evil_name", "other", "import", "7", key):
        assert text not in evaluate.source
    assert evaluate(_env(evil_name={"other": 1})) == {key: 8, "k2": {"other": 1}}


def test_a_route_whose_template_is_generated_returns_its_outcome_in_one_function() -> None:
    # GIVEN a Choice rule and a catcher that Assign a template only, and a Pass with Output only
    result = run_state_machine({"QueryLanguage": "JSONata", "StartAt": "A", "States": {
        "A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "C"},
        "C": {"Type": "Choice", "Choices": [
            {"Condition": "{% $x = 1 %}", "Assign": {"x": "{% $x + 1 %}"}, "Next": "F"}]},
        "F": {"Type": "Parallel", "Branches": [{"StartAt": "X", "States": {
            "X": {"Type": "Fail", "Error": "E", "Cause": "c"}}}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"y": "{% $x * 10 %}"}, "Next": "P"}],
              "Next": "P"},
        "P": {"Type": "Pass", "Output": {"in": "{% $states.input %}", "x": "{% $x %}", "y": "{% $y %}"}, "End": True},
    }}, {"v": 1})
    # THEN the rule's output is its input, the catcher's the error output, the Pass's its template
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"in": {"Error": "E", "Cause": "c"}, "x": 2, "y": 20}
    source = inline_outcome(_template({"x": "{% $x + 1 %}"}).inline, "assign_of_input", "N").source
    assert "return env.input, nxt, value" in source
