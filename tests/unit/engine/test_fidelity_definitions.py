"""GIVEN definitions that AWS's CreateStateMachine rejects (JSONata misuse, MUST rules of the
ASL specification) WHEN an engine is created THEN ``AslDefinitionError`` names the field, with
AWS's ``SCHEMA_VALIDATION_FAILED`` message shape; the valid forms still load."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.engine import AslDefinitionError, Engine

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


def jsonata(**states: Any) -> dict:
    first = next(iter(states))
    return {"QueryLanguage": "JSONata", "StartAt": first, "States": states}


def task(**extra: Any) -> dict:
    return {"Type": "Task", "Resource": LAMBDA, "End": True, **extra}


def task_then(nxt: str, **extra: Any) -> dict:
    return {"Type": "Task", "Resource": LAMBDA, "Next": nxt, **extra}


def map_state(**extra: Any) -> dict:
    return {"Type": "Map", "End": True, **extra,
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}


def rejected(definition: dict) -> AslDefinitionError:
    with pytest.raises(AslDefinitionError) as info:
        Engine(definition)
    assert str(info.value).startswith("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ")
    return info.value


# -- item 1: JSONata checked when the machine is created ---------------------------------------


@pytest.mark.parametrize(
    ("definition", "where"),
    [
        (jsonata(P={"Type": "Pass", "Output": "{% $states.result %}", "End": True}), "/States/P/Output"),
        (jsonata(P={"Type": "Pass", "Assign": {"x": "{% $states.result.a %}"}, "End": True}), "/States/P/Assign/x"),
        (jsonata(T=task(Arguments={"a": "{% $states.result %}"})), "/States/T/Arguments/a"),
        (jsonata(T=task(Arguments="{% $states['result'] %}")), "/States/T/Arguments"),
        (jsonata(W={"Type": "Wait", "Seconds": "{% $states.result %}", "End": True}), "/States/W/Seconds"),
        (jsonata(M=map_state(Items="{% $states.result %}")), "/States/M/Items"),
        (jsonata(C={"Type": "Choice", "Choices": [{"Condition": "{% $states.result %}", "Next": "S"}],
                    "Default": "S"}, S={"Type": "Succeed"}), "/States/C/Choices/0/Condition"),
    ],
)
def test_states_result_where_there_is_no_result_is_rejected(definition: dict, where: str) -> None:
    err = rejected(definition)
    assert err.where == where
    assert "'$states.result'" in err.message


@pytest.mark.parametrize(
    ("definition", "where"),
    [
        (jsonata(T=task(Output="{% $states.errorOutput %}")), "/States/T/Output"),
        (jsonata(T=task(Assign={"e": "{% $states.errorOutput.Error %}"})), "/States/T/Assign/e"),
        (jsonata(P={"Type": "Pass", "Output": {"e": "{% $states.errorOutput %}"}, "End": True}), "/States/P/Output/e"),
        (jsonata(F={"Type": "Fail", "Error": "{% $states.errorOutput.Error %}"}), "/States/F/Error"),
        (jsonata(T=task_then("S", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "S",
                                          "Output": "{% $states.result %}"}]), S={"Type": "Succeed"}),
         "/States/T/Catch/0/Output"),
    ],
)
def test_states_error_output_outside_a_catcher_is_rejected(definition: dict, where: str) -> None:
    err = rejected(definition)
    assert err.where == where


@pytest.mark.parametrize(
    ("value", "problem"),
    [("{% $states.input", "does not end with '%}'"), ("$states.input %}", "does not start with '{%'"),
     ("{%}", "does not end with '%}'")],
)
def test_unbalanced_expression_delimiters_are_rejected(value: str, problem: str) -> None:
    err = rejected(jsonata(P={"Type": "Pass", "Output": {"a": [value]}, "End": True}))
    assert err.where == "/States/P/Output/a/0"
    assert problem in err.message


def test_result_and_error_output_are_accepted_where_aws_sets_them() -> None:
    Engine(jsonata(
        T=task_then("S", Output="{% $states.result %}", Assign={"r": "{% $states.result.x %}"},
                    Catch=[{"ErrorEquals": ["States.ALL"], "Next": "S", "Output": "{% $states.errorOutput %}",
                            "Assign": {"e": "{% $states.errorOutput.Cause %}"}}]),
        S={"Type": "Pass", "Output": "{% 'costs 5 %} or $states.result, as text' %}", "End": True},
    ))
    Engine(jsonata(M=map_state(Output="{% $states.result %}")))
    Engine(jsonata(P={"Type": "Parallel", "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}],
                      "Assign": {"all": "{% $states.result %}"}, "End": True}))
    Engine(jsonata(P={"Type": "Pass", "Output": " {% not an expression %} ", "End": True}))


# -- item 2: MUST rules of the specification ----------------------------------------------------


def test_a_states_all_retrier_that_is_not_the_last_is_rejected() -> None:
    err = rejected({"StartAt": "T", "States": {"T": task(Retry=[
        {"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["Lambda.Unknown"]}])}})
    assert err.where == "/States/T/Retry/0/ErrorEquals"
    assert "States.ALL" in err.message


def test_a_states_all_catcher_that_is_not_the_last_is_rejected() -> None:
    err = rejected({"StartAt": "T", "States": {
        "T": task_then("S", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "S"}, {"ErrorEquals": ["X"], "Next": "S"}]),
        "S": {"Type": "Succeed"},
    }})
    assert err.where == "/States/T/Catch/0/ErrorEquals"


def test_states_all_last_is_accepted() -> None:
    Engine({"StartAt": "T", "States": {"T": task(Retry=[{"ErrorEquals": ["X"]}, {"ErrorEquals": ["States.ALL"]}])}})


@pytest.mark.parametrize(
    ("retrier", "where"),
    [
        ({"ErrorEquals": ["X"], "MaxAttempt": 2}, "/States/T/Retry/0/MaxAttempt"),
        ({"ErrorEquals": ["X"], "MaxAttempts": 100000000}, "/States/T/Retry/0"),
        ({"ErrorEquals": ["X"], "MaxDelaySeconds": 31622401}, "/States/T/Retry/0"),
        ({"ErrorEquals": ["X"], "BackoffRate": 0.5}, "/States/T/Retry/0"),
    ],
)
def test_retrier_fields_out_of_the_specification_are_rejected(retrier: dict, where: str) -> None:
    assert rejected({"StartAt": "T", "States": {"T": task(Retry=[retrier])}}).where == where


@pytest.mark.parametrize(
    ("batcher", "where", "text"),
    [
        ({}, "/States/M/ItemBatcher", "At least one of these fields is required"),
        ({"BatchInput": {"a": 1}}, "/States/M/ItemBatcher", "At least one of these fields is required"),
        ({"MaxItemsPerBatch": 0}, "/States/M/ItemBatcher/MaxItemsPerBatch", "positive integer"),
        ({"MaxInputBytesPerBatch": 300000}, "/States/M/ItemBatcher/MaxInputBytesPerBatch", "between 1 and 262144"),
        ({"MaxItemsPerBatch": 2, "MaxItemsPerBatchPath": "$.n"}, "/States/M/ItemBatcher", "mutually exclusive"),
        ({"MaxItems": 2}, "/States/M/ItemBatcher/MaxItems", "not supported"),
    ],
)
def test_item_batcher_without_a_valid_limit_is_rejected(batcher: dict, where: str, text: str) -> None:
    err = rejected({"StartAt": "M", "States": {"M": map_state(ItemBatcher=batcher)}})
    assert err.where == where
    assert text in err.message


def test_item_batcher_with_a_limit_is_accepted() -> None:
    Engine({"StartAt": "M", "States": {"M": map_state(ItemBatcher={"MaxItemsPerBatch": 2})}})
    Engine(jsonata(M=map_state(ItemBatcher={"MaxInputBytesPerBatch": "{% 1024 %}"})))


@pytest.mark.parametrize(
    ("definition", "where"),
    [
        ({"Comment": 5, "StartAt": "S", "States": {"S": {"Type": "Succeed"}}}, "/Comment"),
        ({"Version": 1.0, "StartAt": "S", "States": {"S": {"Type": "Succeed"}}}, "/Version"),
        ({"StartAt": "S", "States": {"S": {"Type": "Succeed", "Comment": ["x"]}}}, "/States/S/Comment"),
    ],
)
def test_comments_and_version_must_be_strings(definition: dict, where: str) -> None:
    assert rejected(definition).where == where


@pytest.mark.parametrize(
    ("definition", "text"),
    [
        ("", "'SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object'"),
        ("[1, 2]", "'SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object'"),
        ("not a definition", "'INVALID_JSON_DESCRIPTION: The definition is not valid JSON"),
    ],
)
def test_a_definition_that_is_not_a_json_object_is_rejected_with_aws_code(definition: str, text: str) -> None:
    with pytest.raises(AslDefinitionError) as info:
        Engine(definition)
    assert str(info.value).startswith(f"Invalid State Machine Definition: {text}")


@pytest.mark.parametrize("label", ["has space", "x" * 41, "a/b", "{x}", "", 5])
def test_an_invalid_map_label_is_rejected(label: object) -> None:
    assert rejected({"StartAt": "M", "States": {"M": map_state(Label=label)}}).where == "/States/M/Label"


def test_a_valid_map_label_is_accepted() -> None:
    Engine({"StartAt": "M", "States": {"M": map_state(Label="rows-2026.batch_1")}})
