"""GIVEN translated CloudFormation WHEN adapted for moto THEN what moto cannot create is dropped with
its dependants, substitutions are applied without Fn::Sub, the REST API gets explicit methods (with the
auth that ApiAuth selects, once the template's conditions are applied)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.deploy.conditions import apply_conditions
from orchestrator.deploy.errors import DeployError
from orchestrator.deploy.moto_compat import UNSUPPORTED_TYPES, adapt_for_moto, references
from orchestrator.deploy.rest_api import API_ROUTES
from orchestrator.deploy.translate import translate

ROOT = Path(__file__).resolve().parents[3]


def template(**resources: Any) -> dict[str, Any]:
    return {"Resources": resources, "Outputs": {}}


def test_references_finds_ref_getatt_and_sub_names_but_not_sub_variables_or_pseudo_parameters() -> None:
    value = {"A": {"Ref": "One"}, "B": {"Fn::GetAtt": ["Two", "Arn"]}, "C": {"Fn::GetAtt": "Three.Arn"},
             "D": {"Fn::Sub": ["${Four.Arn}/${x}", {"x": {"Ref": "Five"}}]}, "E": {"Fn::Sub": "${AWS::Region}-${Six}"}}
    assert references(value) == {"One", "Two", "Three", "Four", "Five", "Six"}


def test_unsupported_resources_are_dropped_with_what_refers_to_them() -> None:
    source = template(
        Api={"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api"}},
        Stage={"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "Api"}}},
        Uses={"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": "${Stage}-topic"}}},
        Waits={"Type": "AWS::SQS::Queue", "DependsOn": ["Stage", "Api"], "Properties": {}},
    )
    source["Outputs"] = {"StageName": {"Value": {"Ref": "Stage"}}, "ApiId": {"Value": {"Ref": "Api"}}}
    adapted, dropped = adapt_for_moto(source)
    assert [(d.logical_id, d.type) for d in dropped] == [("Stage", "AWS::ApiGateway::Stage"), ("Uses", "AWS::SNS::Topic")]
    assert "refers to Stage" in dropped[1].reason
    assert set(adapted["Resources"]) == {"Api", "Waits"}
    assert adapted["Resources"]["Waits"]["DependsOn"] == ["Api"]
    assert set(adapted["Outputs"]) == {"ApiId"}
    assert "Stage" in source["Resources"], "the input is not changed"


def test_substitutions_become_a_join_and_keep_double_dollars() -> None:
    text = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${AFunctionArn}",
                       "Parameters": {"token.$": "$$.Task.Token", "unknown": "${Missing}"}, "End": True}}}, indent=4)
    source = template(Machine={"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "DefinitionString": {"Fn::Join": ["\n", text.split("\n")]},
        "DefinitionSubstitutions": {"AFunctionArn": {"Fn::GetAtt": ["AFunction", "Arn"]}},
    }})
    props = adapt_for_moto(source)[0]["Resources"]["Machine"]["Properties"]
    assert "DefinitionSubstitutions" not in props
    separator, pieces = props["DefinitionString"]["Fn::Join"]
    assert separator == "" and {"Fn::GetAtt": ["AFunction", "Arn"]} in pieces
    joined = "".join(p if isinstance(p, str) else "<arn>" for p in pieces)
    assert json.loads(joined)["States"]["A"]["Resource"] == "<arn>"
    assert "$$.Task.Token" in joined and "${Missing}" in joined


def test_an_event_bus_ref_becomes_its_name_attribute_also_inside_sub() -> None:
    source = template(
        Bus={"Type": "AWS::Events::EventBus", "Properties": {"Name": "bus"}},
        Rule={"Type": "AWS::Events::Rule", "Properties": {"EventBusName": {"Ref": "Bus"}, "Description": {"Fn::Sub": "on ${Bus}"}}},
    )
    rule = adapt_for_moto(source)[0]["Resources"]["Rule"]["Properties"]
    assert rule == {"EventBusName": {"Fn::GetAtt": ["Bus", "Name"]}, "Description": {"Fn::Sub": "on ${Bus.Name}"}}


def test_an_openapi_body_becomes_resources_and_methods_that_the_deployment_waits_for() -> None:
    integration = {"type": "aws_proxy", "httpMethod": "POST", "uri": {"Fn::Sub": "${Fn.Arn}"}}
    body = {
        "openapi": "3.0.1",
        "paths": {"/runs/{id}": {"get": {"x-amazon-apigateway-integration": integration, "security": [{"sigv4": []}]}},
                  "/runs": {"post": {"x-amazon-apigateway-integration": integration}}},
        "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "x-amazon-apigateway-authtype": "awsSigv4"}}},
    }
    source = template(
        Api={"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api", "Body": body}},
        Deployment={"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "Api"}}},
    )
    resources = adapt_for_moto(source)[0]["Resources"]
    assert "Body" not in resources["Api"]["Properties"]
    assert resources["ApiResourceRuns"]["Properties"]["ParentId"] == {"Fn::GetAtt": ["Api", "RootResourceId"]}
    assert resources["ApiResourceRunsById"]["Properties"] == {"RestApiId": {"Ref": "Api"}, "ParentId": {"Ref": "ApiResourceRuns"}, "PathPart": "{id}"}
    get = resources["ApiMethodRunsByIdGet"]["Properties"]
    assert (get["HttpMethod"], get["AuthorizationType"], get["ResourceId"]) == ("GET", "AWS_IAM", {"Ref": "ApiResourceRunsById"})
    assert get["Integration"] == {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": {"Fn::Sub": "${Fn.Arn}"}}
    assert resources["ApiMethodRunsPost"]["Properties"]["AuthorizationType"] == "NONE"
    assert resources["Deployment"]["DependsOn"] == ["ApiMethodRunsPost", "ApiMethodRunsByIdGet"]


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    """The committed template, translated as the rehearsal does (code URIs faked, definitions inline)."""
    sam = yaml.safe_load((ROOT / "template.yaml").read_text())
    for resource in sam["Resources"].values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if key in props:
                props[key] = "s3://bucket/code.zip"
        if "DefinitionUri" in props:
            props["Definition"] = json.loads((ROOT / props.pop("DefinitionUri")).read_text())
    return translate(sam, {"Stage": "dev"}, "eu-west-1")


def test_unsupported_types_are_exactly_those_moto_cannot_create(translated: dict[str, Any]) -> None:
    from moto.cloudformation.parsing import resource_class_from_type

    types = {r["Type"] for r in translated["Resources"].values()}
    assert {t for t in types if resource_class_from_type(t) is None} == types & UNSUPPORTED_TYPES


def test_the_translation_is_plain_cloudformation_in_the_region_given(translated: dict[str, Any]) -> None:
    assert "Transform" not in translated
    assert not [r["Type"] for r in translated["Resources"].values() if r["Type"].startswith("AWS::Serverless::")]
    policies = json.dumps(translated["Resources"]["SendReportFunctionRole"]["Properties"]["Policies"])
    assert "ses:SendEmail" in policies and "identity/${identityName}" in policies


@pytest.mark.parametrize(("mode", "key_required"), [("IAM", False), ("API_KEY", True)])
def test_the_committed_api_becomes_sigv4_methods_that_need_a_key_only_with_api_keys(translated: dict[str, Any], mode: str, key_required: bool) -> None:
    resources = adapt_for_moto(apply_conditions(translated, {"ApiAuth": mode}))[0]["Resources"]
    methods = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::Method"]
    assert len(methods) == len(API_ROUTES)
    assert {(m["AuthorizationType"], m["ApiKeyRequired"]) for m in methods} == {("AWS_IAM", key_required)}


def test_a_security_still_under_fn_if_is_refused_with_a_hint(translated: dict[str, Any]) -> None:
    with pytest.raises(DeployError, match="not a list\n  hint: apply the template's conditions first"):
        adapt_for_moto(translated)
