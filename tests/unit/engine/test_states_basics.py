"""GIVEN small state machines WHEN they run on the local engine THEN each state type behaves as
in AWS (Pass, Succeed, Fail, Choice, Wait; JSONPath and JSONata I/O)."""

from __future__ import annotations

from orchestrator.engine import run_state_machine


def machine(states: dict, start: str = "S", **top: object) -> dict:
    return {"StartAt": start, "States": states, **top}


def test_pass_with_result_and_result_path_merges_into_the_input() -> None:
    # GIVEN a Pass state that puts a Result under $.r
    d = machine({"S": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "End": True}})
    # WHEN it runs THEN the output is the input with the result merged in
    r = run_state_machine(d, {"a": 1})
    assert r.status == "SUCCEEDED"
    assert r.output == {"a": 1, "r": {"x": 1}}


def test_parameters_resolve_paths_context_and_intrinsics() -> None:
    d = machine(
        {
            "S": {
                "Type": "Pass",
                "Parameters": {
                    "name.$": "$.user.name",
                    "state.$": "$$.State.Name",
                    "greeting.$": "States.Format('Hi {}', $.user.name)",
                    "literal": "$.not.a.path",
                },
                "End": True,
            }
        }
    )
    r = run_state_machine(d, {"user": {"name": "Ada"}})
    assert r.output == {"name": "Ada", "state": "S", "greeting": "Hi Ada", "literal": "$.not.a.path"}


def test_input_path_that_selects_nothing_fails_with_states_runtime() -> None:
    d = machine({"S": {"Type": "Pass", "InputPath": "$.missing", "End": True}})
    r = run_state_machine(d, {})
    assert r.status == "FAILED"
    assert r.error == "States.Runtime"
    assert r.cause == (
        "An error occurred while executing the state 'S' (entered at the event id #2). "
        "Invalid path '$.missing' : No results for path: $['missing']"
    )


def test_null_output_path_gives_an_empty_object_and_null_result_path_keeps_the_input() -> None:
    d = machine(
        {
            "S": {"Type": "Pass", "Result": 1, "ResultPath": None, "Next": "T"},
            "T": {"Type": "Pass", "OutputPath": None, "End": True},
        }
    )
    assert run_state_machine(d, {"a": 1}).output == {}


def test_jsonata_output_and_assign_see_the_state_input() -> None:
    d = machine(
        {
            "S": {
                "Type": "Pass",
                "Assign": {"total": "{% $sum($states.input.items) %}"},
                "Output": {"first": "{% $states.input.items[0] %}"},
                "Next": "T",
            },
            "T": {"Type": "Pass", "Output": "{% $total %}", "End": True},
        },
        QueryLanguage="JSONata",
    )
    r = run_state_machine(d, {"items": [1, 2, 3]})
    assert r.status == "SUCCEEDED"
    assert r.output == 6


def test_jsonata_expression_returning_nothing_fails_naming_the_field() -> None:
    d = machine({"S": {"Type": "Pass", "Output": {"x": "{% $nope %}"}, "End": True}}, QueryLanguage="JSONata")
    r = run_state_machine(d, {})
    assert r.error == "States.QueryEvaluationError"
    assert r.cause.endswith(
        "The JSONata expression '$nope' specified for the field 'Output/x' returned nothing (undefined)."
    )


def test_fail_state_reports_error_and_cause_and_paths() -> None:
    d = machine({"S": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('c={}', $.c)"}})
    r = run_state_machine(d, {"e": "Boom", "c": 7})
    assert (r.status, r.error, r.cause) == ("FAILED", "Boom", "c=7")


def test_succeed_state_ends_with_its_filtered_input() -> None:
    d = machine({"S": {"Type": "Succeed", "InputPath": "$.a"}})
    assert run_state_machine(d, {"a": [1]}).output == [1]


def test_choice_rules_route_and_default_applies() -> None:
    d = machine(
        {
            "S": {
                "Type": "Choice",
                "Choices": [
                    {"And": [{"Variable": "$.n", "NumericGreaterThan": 10},
                             {"Not": {"Variable": "$.s", "StringMatches": "a*\\*"}}], "Next": "Big"},
                    {"Variable": "$.n", "IsNumeric": True, "Next": "Small"},
                ],
                "Default": "Other",
            },
            "Big": {"Type": "Pass", "Result": "big", "End": True},
            "Small": {"Type": "Pass", "Result": "small", "End": True},
            "Other": {"Type": "Pass", "Result": "other", "End": True},
        }
    )
    assert run_state_machine(d, {"n": 11, "s": "abc"}).output == "big"
    assert run_state_machine(d, {"n": 11, "s": "abc*"}).output == "small"
    assert run_state_machine(d, {"n": "x", "s": ""}).output == "other"


def test_choice_without_match_or_default_fails() -> None:
    d = machine(
        {
            "S": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "T"}]},
            "T": {"Type": "Succeed"},
        }
    )
    r = run_state_machine(d, {"n": 2})
    assert (r.error, r.cause) == ("States.NoChoiceMatched", "No Matches!")


def test_jsonata_choice_condition_with_rule_output() -> None:
    d = machine(
        {
            "S": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.n > 1 %}", "Output": {"v": "{% $states.input.n %}"}, "Next": "T"}],
                "Default": "T",
            },
            "T": {"Type": "Succeed"},
        },
        QueryLanguage="JSONata",
    )
    assert run_state_machine(d, {"n": 5}).output == {"v": 5}
    assert run_state_machine(d, {"n": 0}).output == {"n": 0}


def test_comparison_against_a_missing_variable_fails_but_is_present_does_not() -> None:
    d = machine(
        {
            "S": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.x", "IsPresent": False, "Next": "Absent"},
                    {"Variable": "$.x", "StringEquals": "a", "Next": "Absent"},
                ],
            },
            "Absent": {"Type": "Succeed"},
        }
    )
    assert run_state_machine(d, {}).status == "SUCCEEDED"
