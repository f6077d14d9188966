"""The REST API of ``template.yaml``: its OpenAPI definition, invoke permission and usage plan.

SAM reads an ``AWS::Serverless::Api``'s ``Auth`` at transform time, before parameters and conditions
have values, so ``ApiKeyRequired: !If [UseApiKeys, true, false]`` there is simply true. Instead the API
carries its own OpenAPI 3 ``DefinitionBody`` (built from :data:`API_ROUTES`) in which each method's
``security`` is an ``Fn::If`` on :data:`API_KEY_CONDITION`, which CloudFormation evaluates at deploy
time: SigV4 only (``ApiAuth=IAM``) or SigV4 and an API key (``ApiAuth=API_KEY``). The usage plan, its
key and their link are plain resources under the same condition; the api function may be invoked by
API Gateway for this API's stage only. ``AlwaysDeploy``: SAM names the stage's deployment after a
hash of the body as written, ``Fn::If`` unresolved, so without it switching ``ApiAuth`` on an existing
stack would update the API but leave the stage serving the old methods.

Example::

    resources.update(api_resources(stage_parameter="Stage"))
    outputs.update(api_outputs())
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "API",
    "API_FUNCTION",
    "API_KEY_CONDITION",
    "API_KEY_SCHEME",
    "API_ROUTES",
    "SIGV4_SCHEME",
    "api_definition",
    "api_outputs",
    "api_resources",
]

API = "Api"
API_FUNCTION = "ApiFunction"
API_KEY_CONDITION = "UseApiKeys"
"""The template condition that is true when the ``ApiAuth`` parameter is ``API_KEY``."""

SIGV4_SCHEME = "sigv4"
API_KEY_SCHEME = "api_key"

API_ROUTES = [
    ("/flows", "get"),
    ("/flows/{flow}", "get"),
    ("/flows/{flow}/runs", "get"),
    ("/flows/{flow}/runs", "post"),
    ("/runs/{id}", "get"),
    ("/runs/{id}/cancel", "post"),
    ("/runs/{id}/redrive", "post"),
    ("/events", "post"),
]
"""Every (path, method) of the API; API Gateway proxies each to the api function."""

SECURITY_SCHEMES = {
    SIGV4_SCHEME: {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"},
    API_KEY_SCHEME: {"type": "apiKey", "name": "x-api-key", "in": "header"},
}


def api_definition(function: str = API_FUNCTION) -> dict[str, Any]:
    """The OpenAPI 3 document of the API: each route proxied to ``function``, auth chosen at deploy time."""
    integration = {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": {"Fn::Sub": f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{function}.Arn}}/invocations"},
        "passthroughBehavior": "when_no_match",
    }
    security = {"Fn::If": [API_KEY_CONDITION, [{SIGV4_SCHEME: []}, {API_KEY_SCHEME: []}], [{SIGV4_SCHEME: []}]]}
    paths: dict[str, dict[str, Any]] = {}
    for path, method in API_ROUTES:
        paths.setdefault(path, {})[method] = {
            "security": security,
            "responses": {},
            "x-amazon-apigateway-integration": integration,
        }
    return {
        "openapi": "3.0.1",
        "info": {"title": {"Fn::Sub": "${AWS::StackName}-api"}, "version": "1.0"},
        "paths": paths,
        "components": {"securitySchemes": SECURITY_SCHEMES},
    }


def api_resources(stage_parameter: str, function: str = API_FUNCTION) -> dict[str, Any]:
    """The API, API Gateway's permission to invoke ``function``, and the usage plan with its key."""
    usage_plan, api_key = f"{API}UsagePlan", f"{API}ApiKey"
    return {
        API: {
            "Type": "AWS::Serverless::Api",
            "Properties": {
                "Name": {"Fn::Sub": "${AWS::StackName}-api"},
                "StageName": {"Ref": stage_parameter},
                "OpenApiVersion": "3.0.1",
                "TracingEnabled": True,
                "AlwaysDeploy": True,
                "DefinitionBody": api_definition(function),
            },
        },
        f"{function}ApiPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": function},
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": {"Fn::Sub": f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{API}}}/${{{stage_parameter}}}/*"},
            },
        },
        usage_plan: {
            "Type": "AWS::ApiGateway::UsagePlan",
            "Condition": API_KEY_CONDITION,
            "Properties": {
                "UsagePlanName": {"Fn::Sub": "${AWS::StackName}-api"},
                "Description": "flowctl API: callers need SigV4 and an API key of this plan",
                "ApiStages": [{"ApiId": {"Ref": API}, "Stage": {"Ref": f"{API}.Stage"}}],
            },
        },
        api_key: {
            "Type": "AWS::ApiGateway::ApiKey",
            "Condition": API_KEY_CONDITION,
            "Properties": {"Enabled": True, "Description": {"Fn::Sub": "flowctl API key of stack ${AWS::StackName}"}},
        },
        f"{API}UsagePlanKey": {
            "Type": "AWS::ApiGateway::UsagePlanKey",
            "Condition": API_KEY_CONDITION,
            "Properties": {"KeyId": {"Ref": api_key}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": usage_plan}},
        },
    }


def api_outputs(stage_parameter: str) -> dict[str, Any]:
    """The API's base URL, and with API keys on, the id of its key."""
    return {
        "ApiUrl": {
            "Description": "Base URL of the flowctl API",
            "Value": {"Fn::Sub": f"https://${{{API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/${{{stage_parameter}}}"},
        },
        "ApiKeyId": {
            "Condition": API_KEY_CONDITION,
            "Description": "Id of the API key (ApiAuth=API_KEY); its value: aws apigateway get-api-key --include-value --api-key <id>",
            "Value": {"Ref": f"{API}ApiKey"},
        },
    }
