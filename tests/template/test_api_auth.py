"""GIVEN the committed template.yaml WHEN it is translated as CloudFormation does on deploy (the SAM
transform, then the template's conditions for the ApiAuth value) THEN ApiAuth=IAM gives methods that
need SigV4 only and no usage plan or key, and ApiAuth=API_KEY gives methods that need SigV4 and an API
key of a usage plan on the API's stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.deploy.conditions import apply_conditions
from orchestrator.deploy.layer import write_layer_source
from orchestrator.deploy.package import package_template
from orchestrator.deploy.rest_api import API_KEY_SCHEME, API_ROUTES, SIGV4_SCHEME
from orchestrator.deploy.translate import translate

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = yaml.safe_load((ROOT / "template.yaml").read_text())
KEY_TYPES = {"AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlanKey"}


@pytest.fixture(scope="module")
def deployed() -> dict[str, dict[str, Any]]:
    """ApiAuth value → the template as CloudFormation creates it (code URIs faked, definitions inline)."""
    write_layer_source(ROOT)  # the layer's ContentUri, .flowctl/layer/, is written by synth (not committed)
    packaged = package_template(TEMPLATE, ROOT, lambda key, data: f"s3://bucket/{key}")
    found = {}
    for mode in ("IAM", "API_KEY"):
        values = {"Stage": "dev", "ApiAuth": mode}
        found[mode] = apply_conditions(translate(packaged, values, "eu-west-1"), values)
    return found


def methods(template: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    body = template["Resources"]["Api"]["Properties"]["Body"]
    return {(path, method): operation for path, operations in body["paths"].items() for method, operation in operations.items()}


def of_types(template: dict[str, Any], types: set[str]) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] in types}


def test_the_api_has_its_own_definition_and_neither_sam_auth_nor_sam_api_events() -> None:
    api = TEMPLATE["Resources"]["Api"]["Properties"]
    assert "Auth" not in api and api["AlwaysDeploy"] is True  # a new deployment, so an ApiAuth switch reaches the stage
    assert not [e for e in TEMPLATE["Resources"]["ApiFunction"]["Properties"].get("Events", {}).values() if e["Type"] == "Api"]
    permission = TEMPLATE["Resources"]["ApiFunctionApiPermission"]["Properties"]
    assert (permission["FunctionName"], permission["Principal"]) == ({"Ref": "ApiFunction"}, "apigateway.amazonaws.com")
    assert permission["SourceArn"]["Fn::Sub"].endswith(":${Api}/${Stage}/*")


@pytest.mark.parametrize("mode", ["IAM", "API_KEY"])
def test_every_route_is_proxied_to_the_api_function(deployed: dict[str, dict[str, Any]], mode: str) -> None:
    found = methods(deployed[mode])
    assert set(found) == set(API_ROUTES)
    for route, operation in found.items():
        integration = operation["x-amazon-apigateway-integration"]
        assert (integration["type"], integration["httpMethod"]) == ("aws_proxy", "POST"), route
        assert "/functions/${ApiFunction.Arn}/invocations" in integration["uri"]["Fn::Sub"], route


def test_with_iam_every_method_needs_sigv4_only_and_there_is_no_usage_plan_or_key(deployed: dict[str, dict[str, Any]]) -> None:
    template = deployed["IAM"]
    schemes = template["Resources"]["Api"]["Properties"]["Body"]["components"]["securitySchemes"]
    assert schemes[SIGV4_SCHEME]["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert {route: op["security"] for route, op in methods(template).items()} == {route: [{SIGV4_SCHEME: []}] for route in API_ROUTES}
    assert of_types(template, KEY_TYPES) == {}
    assert "ApiKeyId" not in template["Outputs"] and "ApiUrl" in template["Outputs"]


def test_with_api_keys_every_method_needs_sigv4_and_a_key_of_the_stages_usage_plan(deployed: dict[str, dict[str, Any]]) -> None:
    template = deployed["API_KEY"]
    schemes = template["Resources"]["Api"]["Properties"]["Body"]["components"]["securitySchemes"]
    assert (schemes[API_KEY_SCHEME]["type"], schemes[API_KEY_SCHEME]["name"], schemes[API_KEY_SCHEME]["in"]) == ("apiKey", "x-api-key", "header")
    assert {route: op["security"] for route, op in methods(template).items()} == {
        route: [{SIGV4_SCHEME: []}, {API_KEY_SCHEME: []}] for route in API_ROUTES}
    keys = of_types(template, KEY_TYPES)
    assert {r["Type"] for r in keys.values()} == KEY_TYPES
    stage = next(k for k, r in template["Resources"].items() if r["Type"] == "AWS::ApiGateway::Stage")
    plan = next(k for k, r in keys.items() if r["Type"] == "AWS::ApiGateway::UsagePlan")
    assert keys[plan]["Properties"]["ApiStages"] == [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": stage}}]
    link = next(r for r in keys.values() if r["Type"] == "AWS::ApiGateway::UsagePlanKey")["Properties"]
    key = next(k for k, r in keys.items() if r["Type"] == "AWS::ApiGateway::ApiKey")
    assert (link["UsagePlanId"], link["KeyId"], link["KeyType"]) == ({"Ref": plan}, {"Ref": key}, "API_KEY")
    assert template["Outputs"]["ApiKeyId"]["Value"] == {"Ref": key}
