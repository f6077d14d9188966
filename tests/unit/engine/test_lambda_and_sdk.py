"""GIVEN Task states WHEN their resources are local functions, handlers or AWS services (moto)
THEN they are called in-process / through boto3 with Lambda's and Step Functions' shapes, and
their errors become the error names Retry/Catch match on."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from orchestrator.engine import run_state_machine

FUNCTION = '''
import helper

def lambda_handler(event, context):
    if event.get("fail"):
        raise ValueError("bad input")
    return {"got": event, "name": context.function_name, "helper": helper.VALUE,
            "left": context.get_remaining_time_in_millis() > 0}
'''


@pytest.fixture
def functions_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "get_image"
    folder.mkdir()
    (folder / "app.py").write_text(FUNCTION)
    (folder / "helper.py").write_text("VALUE = 7\n")
    return tmp_path


def invoke(resource: str, **params: object) -> dict:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, **params, "End": True}}}


def test_placeholder_resource_resolves_to_the_functions_folder(functions_dir: Path) -> None:
    d = invoke("${GetImageFunctionArn}")
    r = run_state_machine(d, {"k": 1}, functions_dir=functions_dir)
    assert r.output == {"got": {"k": 1}, "name": "get_image", "helper": 7, "left": True}
    assert [e["type"] for e in r.history][2:5] == [
        "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded"]


def test_lambda_invoke_with_substituted_arn_returns_the_invoke_response(functions_dir: Path) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:stack-GetImage-ABC"
    d = invoke("arn:aws:states:::lambda:invoke",
               Parameters={"FunctionName": "${GetImageFunctionArn}", "Payload.$": "$"})
    r = run_state_machine(d, {"k": 1}, functions_dir=functions_dir, substitutions={"GetImageFunctionArn": arn})
    assert r.output["Payload"]["got"] == {"k": 1}
    assert r.output["StatusCode"] == 200 and r.output["ExecutedVersion"] == "$LATEST"
    assert set(r.output) == {"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}


def test_a_raising_function_fails_with_its_exception_class_and_lambda_error_document(functions_dir: Path) -> None:
    d = invoke("arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "get_image", "Payload.$": "$"},
               Retry=[{"ErrorEquals": ["ValueError"], "MaxAttempts": 2}])
    r = run_state_machine(d, {"fail": True}, functions_dir=functions_dir)
    assert (r.status, r.error) == ("FAILED", "ValueError")
    cause = json.loads(r.cause)
    assert cause["errorMessage"] == "bad input" and cause["errorType"] == "ValueError"
    assert cause["requestId"] and any("app.py" in frame for frame in cause["stackTrace"])
    assert sum(e["type"] == "TaskScheduled" for e in r.history) == 3


def test_handlers_are_found_by_name_arn_or_substitution_key() -> None:
    d = invoke("arn:aws:lambda:us-east-1:123456789012:function:double")
    r = run_state_machine(d, 21, handlers={"double": lambda event, ctx: event * 2})
    assert r.output == 42


def test_an_unknown_function_fails_like_lambda() -> None:
    r = run_state_machine(invoke("arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "nope"}), {})
    assert r.error == "Lambda.ResourceNotFoundException"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    from moto import mock_aws

    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        import boto3

        session = boto3.Session(region_name="us-east-1")
        session.client("dynamodb").create_table(
            TableName="runs", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        yield session


def test_dynamodb_integrations_through_boto3(aws) -> None:
    put = {"TableName": "runs", "Item": {"pk": {"S.$": "$.id"}},
           "ConditionExpression": "attribute_not_exists(pk)"}
    d = {
        "StartAt": "Put",
        "States": {
            "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Parameters": put,
                    "ResultPath": None, "Next": "Get"},
            "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
                    "Parameters": {"TableName": "runs", "Key": {"pk": {"S.$": "$.id"}}}, "End": True},
        },
    }
    r = run_state_machine(d, {"id": "r1"}, boto3_session=aws)
    assert r.output == {"Item": {"pk": {"S": "r1"}}}
    again = run_state_machine(d, {"id": "r1"}, boto3_session=aws)
    assert again.error == "DynamoDB.ConditionalCheckFailedException"
    d["States"]["Put"]["Resource"] = "arn:aws:states:::aws-sdk:dynamodb:putItem"
    sdk = run_state_machine(d, {"id": "r1"}, boto3_session=aws)
    assert sdk.error == "DynamoDb.ConditionalCheckFailedException"
    assert "Status Code: 400" in sdk.cause


def test_no_credentials_leak_into_the_test_environment() -> None:
    assert os.environ.get("AWS_SECRET_ACCESS_KEY") in (None, "testing")
