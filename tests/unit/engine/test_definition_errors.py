"""GIVEN invalid definitions WHEN an engine is created THEN ``AslDefinitionError`` names the
field (JSON pointer) and says what is wrong, in AWS's words."""

from __future__ import annotations

import pytest

from orchestrator.engine import AslDefinitionError, Engine

PASS = {"Type": "Pass", "End": True}


@pytest.mark.parametrize(
    ("definition", "where", "text"),
    [
        ({}, "/", "These fields are required: [States, StartAt]"),
        ({"StartAt": "A"}, "/", "These fields are required: [States]"),
        ({"StartAt": "X", "States": {"A": PASS}}, "/StartAt", "Missing 'Next' target: X"),
        ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}, "/States/A/Next", "Missing 'Next' target: B"),
        ({"StartAt": "A", "States": {"A": {"Type": "Bogus", "End": True}}}, "/States/A/Type", "Type"),
        ({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}, "/States/A", "is not an end state"),
        ({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {**PASS, "InputPath": "$.a"}}},
         "/States/A/InputPath", "not supported"),
        ({"StartAt": "A", "States": {"A": {**PASS, "Output": {}}}}, "/States/A/Output", "not supported"),
        ({"StartAt": "A", "States": {"A": {**PASS, "Parameters": {"x.$": "States.Nope()"}}}},
         "/States/A/Parameters", "must be a valid JSONPath or a valid intrinsic function call"),
        ({"StartAt": "A", "States": {"A": {"Type": "Wait", "Timestamp": "2016-12-05T25:29:29Z", "End": True}}},
         "/States/A/Timestamp", "String does not match RFC3339 timestamp"),
        ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:query", "End": True}}},
         "/States/A/Resource", "is not recognized"),
        ({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {**PASS, "Output": "{% $x + %}"}}},
         "/States/A/Output", "JSONata"),
        ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                           "Retry": [{"MaxAttempts": 1}], "End": True}}},
         "/States/A/Retry/0", "ErrorEquals"),
    ],
)
def test_invalid_definitions_name_the_field(definition: dict, where: str, text: str) -> None:
    with pytest.raises(AslDefinitionError) as info:
        Engine(definition)
    assert info.value.where == where
    assert text in str(info.value)
    assert type(info.value).__name__.endswith("DefinitionError")


def test_express_machines_reject_callbacks() -> None:
    d = {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                                          "End": True}}}
    with pytest.raises(AslDefinitionError, match="Express state machine does not support '.waitForTaskToken'"):
        Engine(d, state_machine_type="EXPRESS")


def test_definition_text_and_substitutions_are_accepted() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "${Greeting}", "End": true}}}'
    assert Engine(text, substitutions={"Greeting": "hi"}).start().output == "hi"
