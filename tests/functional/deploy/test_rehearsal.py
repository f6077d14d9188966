"""GIVEN a moto server WHEN `flowctl deploy --endpoint-url` rehearses the deploy of the built template
THEN the stack is CREATE_COMPLETE with every resource moto can create, the rest reported as skipped,
and every state machine's definition names the real ARNs of its functions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from typer.testing import CliRunner

from orchestrator.cli.app import app
from orchestrator.deploy.moto_compat import UNSUPPORTED_TYPES
from orchestrator.deploy.rehearsal import rehearse
from orchestrator.deploy.synth import API_ROUTES
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[3]
STACK = "rehearsal-test"
TEMPLATE = yaml.safe_load((ROOT / "template.yaml").read_text())


def deploy(*args: str) -> Any:
    return CliRunner().invoke(app, ["deploy", "--project", str(ROOT), *args])


@pytest.fixture(scope="module")
def endpoint(moto_endpoint: str) -> str:
    return moto_endpoint


@pytest.fixture(scope="module")
def rehearsal(endpoint: str, deploy_build_dir: Path) -> Any:
    return deploy("--endpoint-url", endpoint, "--build-dir", str(deploy_build_dir), "--stack-name", STACK, "--stage", "test")


@pytest.fixture(scope="module")
def aws(endpoint: str) -> Any:
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    return lambda service: session.client(service, endpoint_url=endpoint)


@pytest.fixture(scope="module")
def stack(rehearsal: Any, aws: Any) -> dict[str, dict[str, str]]:
    """Logical id → {type, status, physical} of the rehearsed stack."""
    assert rehearsal.exit_code == 0, rehearsal.output
    cfn = aws("cloudformation")
    assert cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    pages = cfn.get_paginator("list_stack_resources").paginate(StackName=STACK)
    return {r["LogicalResourceId"]: {"type": r["ResourceType"], "status": r["ResourceStatus"], "physical": r.get("PhysicalResourceId", "")}
            for page in pages for r in page["StackResourceSummaries"]}


def of_type(template: dict[str, Any], type_: str) -> list[str]:
    return sorted(k for k, r in template["Resources"].items() if r["Type"] == type_)


def test_the_stack_is_created_and_every_resource_is_printed_with_its_status(rehearsal: Any, stack: dict[str, dict[str, str]]) -> None:
    assert {r["status"] for r in stack.values()} == {"CREATE_COMPLETE"}
    for logical in stack:
        assert re.search(rf"{logical} +│ \S+ +│ CREATE_COMPLETE", rehearsal.output), logical
    skipped = re.findall(r"(\S+) +│ (\S+) +│ SKIPPED", rehearsal.output)
    assert skipped and {type_ for _, type_ in skipped} <= UNSUPPORTED_TYPES
    assert f"stack {STACK}: {len(stack)} resources CREATE_COMPLETE, {len(skipped)} skipped" in rehearsal.output


def test_every_function_state_machine_table_bucket_and_bus_of_the_template_exists(stack: dict[str, dict[str, str]], aws: Any) -> None:
    expected = {
        "AWS::Lambda::Function": of_type(TEMPLATE, "AWS::Serverless::Function"),
        "AWS::StepFunctions::StateMachine": of_type(TEMPLATE, "AWS::Serverless::StateMachine"),
        "AWS::DynamoDB::Table": ["RunTable"],
        "AWS::S3::Bucket": ["PayloadBucket"],
        "AWS::Events::EventBus": ["EventBus"],
        "AWS::ApiGateway::RestApi": ["Api"],
        "AWS::Logs::LogGroup": of_type(TEMPLATE, "AWS::Logs::LogGroup"),
    }
    for type_, logical_ids in expected.items():
        assert sorted(k for k, r in stack.items() if r["type"] == type_) == logical_ids, type_
    assert {r["type"] for r in stack.values()} >= {"AWS::Lambda::LayerVersion", "AWS::IAM::Role", "AWS::Events::Rule", "AWS::Lambda::Permission"}
    machines = {m["name"] for m in aws("stepfunctions").list_state_machines()["stateMachines"]}
    assert {f"{STACK}-{p.stem}" for p in (ROOT / "flows").glob("*.json")} <= machines
    aws("dynamodb").describe_table(TableName=stack["RunTable"]["physical"])
    aws("s3").head_bucket(Bucket=stack["PayloadBucket"]["physical"])
    assert f"{STACK}-events" in {b["Name"] for b in aws("events").list_event_buses()["EventBuses"]}
    api = aws("apigateway").get_rest_api(restApiId=stack["Api"]["physical"])
    assert api["name"] == f"{STACK}-api"


def api_methods(aws: Any, api_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(path, method) → the method as API Gateway at the endpoint has it."""
    gateway = aws("apigateway")
    return {(r["path"], method.lower()): gateway.get_method(restApiId=api_id, resourceId=r["id"], httpMethod=method)
            for r in gateway.get_resources(restApiId=api_id)["items"] for method in r.get("resourceMethods", {})}


def test_the_api_has_every_route_with_iam_auth_and_no_api_key(rehearsal: Any, stack: dict[str, dict[str, str]], aws: Any) -> None:
    methods = api_methods(aws, stack["Api"]["physical"])
    assert set(methods) == set(API_ROUTES)
    assert {(m["authorizationType"], m.get("apiKeyRequired", False)) for m in methods.values()} == {("AWS_IAM", False)}
    assert "ApiUsagePlan" not in rehearsal.output, "ApiAuth=IAM (the default): no usage plan, not even a skipped one"


def test_with_api_keys_every_route_needs_iam_auth_and_a_key(endpoint: str, deploy_build_dir: Path, aws: Any) -> None:
    result = rehearse(ROOT, endpoint, stack_name="rehearsal-keys", stage="keys", build_dir=deploy_build_dir, parameters={"ApiAuth": "API_KEY"})
    assert result.ok, (result.status, result.reason)
    api = next(r.physical_id for r in result.resources if r.logical_id == "Api")
    methods = api_methods(aws, api)
    assert set(methods) == set(API_ROUTES)
    assert {(m["authorizationType"], m["apiKeyRequired"]) for m in methods.values()} == {("AWS_IAM", True)}
    # moto cannot create the usage plan and key: they are reported, not silently lost
    assert {"ApiUsagePlan", "ApiApiKey", "ApiUsagePlanKey"} <= {d.logical_id for d in result.dropped}


def test_express_logs_may_invoke_the_tracker_and_their_subscriptions_are_reported_as_skipped(rehearsal: Any, stack: dict[str, dict[str, str]]) -> None:
    express = sorted(k for k in of_type(TEMPLATE, "AWS::Serverless::StateMachine") if TEMPLATE["Resources"][k]["Properties"]["Type"] == "EXPRESS")
    subscriptions = {f"TrackerFunctionExpressLogs{machine.removesuffix('StateMachine')}" for machine in express}
    assert {f"{s}Permission" for s in subscriptions} <= {k for k, r in stack.items() if r["type"] == "AWS::Lambda::Permission"}
    skipped = dict(re.findall(r"(\S+) +│ (\S+) +│ SKIPPED", rehearsal.output))
    assert {s: "AWS::Logs::SubscriptionFilter" for s in subscriptions}.items() <= skipped.items()


def test_every_definition_names_the_real_arns_of_its_functions(stack: dict[str, dict[str, str]], aws: Any) -> None:
    lam, sfn = aws("lambda"), aws("stepfunctions")
    for machine in of_type(TEMPLATE, "AWS::Serverless::StateMachine"):
        definition = sfn.describe_state_machine(stateMachineArn=stack[machine]["physical"])["definition"]
        assert "${" not in definition, machine
        for key, value in TEMPLATE["Resources"][machine]["Properties"]["DefinitionSubstitutions"].items():
            if key.endswith("FunctionArn"):
                function = stack[value["Fn::GetAtt"][0]]["physical"]
                arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
            else:
                arn = stack[value["Ref"]]["physical"]
            assert f'"{arn}"' in definition, (machine, key)


def test_node_functions_get_their_function_json_environment(stack: dict[str, dict[str, str]], aws: Any) -> None:
    config = aws("lambda").get_function(FunctionName=stack["SendReportFunction"]["physical"])["Configuration"]
    variables = config["Environment"]["Variables"]
    assert variables["FLOWCTL_TABLE"] == stack["RunTable"]["physical"]
    assert "FLOWCTL_EMAIL_SENDER" in variables


def test_a_second_rehearsal_under_the_same_name_fails_clearly(rehearsal: Any, endpoint: str, deploy_build_dir: Path) -> None:
    again = deploy("--endpoint-url", endpoint, "--build-dir", str(deploy_build_dir), "--stack-name", STACK)
    assert again.exit_code == 1
    assert f"Stack {STACK} already exists" in again.output and "Traceback" not in again.output


def test_a_stack_cloudformation_refuses_fails_with_its_reason(endpoint: str, tmp_path: Path) -> None:
    (tmp_path / "machine.asl.json").write_text('{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${XFunctionArn}", "End": true}}}')
    (tmp_path / "template.yaml").write_text(yaml.safe_dump({"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Machine": {
        "Type": "AWS::Serverless::StateMachine",
        "Properties": {"DefinitionUri": "machine.asl.json", "DefinitionSubstitutions": {"XFunctionArn": {"Fn::GetAtt": ["Missing", "Arn"]}},
                       "Role": "arn:aws:iam::123456789012:role/machine"},
    }}}))
    result = deploy("--endpoint-url", endpoint, "--build-dir", str(tmp_path), "--stack-name", "refused")
    assert result.exit_code == 1
    assert "did not create stack refused: Template error: instance of Fn::GetAtt references undefined resource Missing" in result.output
    assert "Traceback" not in result.output


def test_an_unreachable_endpoint_fails_with_a_hint_not_a_traceback() -> None:
    result = deploy("--endpoint-url", f"http://127.0.0.1:{free_port()}", "--build-dir", str(ROOT))
    assert result.exit_code == 1
    assert "cannot reach an AWS endpoint" in result.output and "moto_server" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_build_dir_without_a_build_fails_clearly(endpoint: str, tmp_path: Path) -> None:
    result = deploy("--endpoint-url", endpoint, "--build-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "cannot read the built template" in result.output and "sam build" in result.output


def test_without_an_endpoint_it_prints_the_sam_deploy_commands() -> None:
    result = deploy("--stack-name", "orders", "--stage", "prod")
    assert result.exit_code == 1
    assert "sam build" in result.output
    assert "sam deploy --guided --stack-name orders --parameter-overrides Stage=prod" in result.output


def test_template_parameters_are_checked_before_anything_is_deployed() -> None:
    result = deploy("--endpoint-url", f"http://127.0.0.1:{free_port()}", "--project", str(ROOT),
                    "-p", "ApiAuth=TOKEN", "-p", "Colour=blue", "-p", "oops")
    assert result.exit_code == 1
    assert "--parameter ApiAuth=TOKEN: allowed values are IAM, API_KEY" in result.output
    assert "--parameter Colour: the template has no such parameter" in result.output
    assert "--parameter 'oops': expected NAME=VALUE" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_stale_template_is_refused_before_anything_is_deployed(tmp_path: Path) -> None:
    import shutil

    # GIVEN a project with a flow added since template.yaml was written
    for folder in ("flows", "functions", "statemachines"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(ROOT / "template.yaml", tmp_path / "template.yaml")
    (tmp_path / "flows" / "hello-again.json").write_text(
        '{"name": "hello-again", "nodes": {"greet": {"uses": "hello"}}}\n'
    )
    # WHEN it is rehearsed
    result = deploy("--endpoint-url", f"http://127.0.0.1:{free_port()}", "--project", str(tmp_path))
    # THEN nothing is deployed: the user is told to synth first
    assert result.exit_code == 1
    assert "the template is stale" in result.output and "flowctl synth" in result.output
