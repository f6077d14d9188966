"""Adapt translated CloudFormation to what moto's CloudFormation can create (measured on moto 5.2.5).

* Resource types moto cannot create are dropped (with what refers to them), each with a note.
* ``DefinitionSubstitutions`` (ignored by moto) are applied: the definition becomes an ``Fn::Join``
  of its text and the substituted values. Not ``Fn::Sub``: moto's turns ``$$`` into ``$``.
* ``Ref`` to an event bus, which moto does not resolve (it passes its model object on and then
  fails to use it), becomes the equivalent ``Fn::GetAtt Name``.
* A REST API's OpenAPI ``Body`` (ignored by moto, which then refuses the deployment: "The REST
  API doesn't contain any methods") becomes ``AWS::ApiGateway::Resource`` / ``Method`` resources.
  Its ``Fn::If`` must be resolved first (:func:`orchestrator.deploy.conditions.apply_conditions`).

:func:`adapt_for_moto` returns the adapted copy and the dropped resources; the input is not changed.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from orchestrator.deploy.errors import DeployError

__all__ = ["UNSUPPORTED_TYPES", "Dropped", "adapt_for_moto", "references"]

UNSUPPORTED_TYPES = frozenset({
    "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::UsagePlanKey",
    "AWS::Logs::SubscriptionFilter",
    "AWS::Scheduler::Schedule",
})
"""Types in flowctl's templates that moto's CloudFormation cannot create (docs/deploying.md)."""

REF_ATTRIBUTES = {"AWS::Events::EventBus": "Name"}
"""Types whose ``Ref`` moto does not resolve, and the attribute that means the same."""

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9_]+)(?:\.[A-Za-z0-9_.]+)?\}")


@dataclass(frozen=True)
class Dropped:
    """A resource left out of the stack: its logical id, type and why."""

    logical_id: str
    type: str
    reason: str


def references(value: Any) -> set[str]:
    """Logical ids (or parameters) that ``value`` names with Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else str(item).split(".")[0])
            elif key == "Fn::Sub":
                text, variables = (item[0], item[1]) if isinstance(item, list) else (item, {})
                found |= set(_SUB_NAME.findall(text)) - set(variables)
                found |= references(variables)
            else:
                found |= references(item)
    return found


def _drop_unsupported(template: dict[str, Any]) -> list[Dropped]:
    resources: dict[str, Any] = template["Resources"]
    dropped = {k: Dropped(k, r["Type"], "moto's CloudFormation cannot create this type")
               for k, r in resources.items() if r["Type"] in UNSUPPORTED_TYPES}
    while True:  # what refers to a dropped resource cannot be created either
        more = {
            k: Dropped(k, r["Type"], f"refers to {', '.join(sorted(refs & dropped.keys()))}, which is dropped")
            for k, r in resources.items()
            if k not in dropped and (refs := references(r.get("Properties", {}))) & dropped.keys()
        }
        if not more:
            break
        dropped.update(more)
    for name in dropped:
        del resources[name]
    for resource in resources.values():
        if "DependsOn" in resource:
            depends = resource["DependsOn"] if isinstance(resource["DependsOn"], list) else [resource["DependsOn"]]
            resource["DependsOn"] = [d for d in depends if d not in dropped]
    for name, output in list(template.get("Outputs", {}).items()):
        if references(output) & dropped.keys():
            del template["Outputs"][name]
    return list(dropped.values())


def _ref_to_attribute(value: Any, logical: str, attribute: str) -> Any:
    """``value`` with ``{"Ref": logical}`` and ``${logical}`` in Fn::Sub turned into that attribute."""
    if isinstance(value, list):
        return [_ref_to_attribute(item, logical, attribute) for item in value]
    if not isinstance(value, dict):
        return value
    if value == {"Ref": logical}:
        return {"Fn::GetAtt": [logical, attribute]}
    if isinstance(value.get("Fn::Sub"), str):
        return {"Fn::Sub": value["Fn::Sub"].replace("${" + logical + "}", "${" + logical + "." + attribute + "}")}
    if isinstance(value.get("Fn::Sub"), list):
        text, *variables = value["Fn::Sub"]
        text = text.replace("${" + logical + "}", "${" + logical + "." + attribute + "}")
        return {"Fn::Sub": [text, *_ref_to_attribute(variables, logical, attribute)]}
    return {key: _ref_to_attribute(item, logical, attribute) for key, item in value.items()}


def _resolve_refs(template: dict[str, Any]) -> None:
    resources: dict[str, Any] = template["Resources"]
    for logical, resource in list(resources.items()):
        attribute = REF_ATTRIBUTES.get(resource["Type"])
        if attribute:
            for name, other in resources.items():
                resources[name] = _ref_to_attribute(other, logical, attribute)
            if "Outputs" in template:
                template["Outputs"] = _ref_to_attribute(template["Outputs"], logical, attribute)


def _definition_text(logical: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    parts = value.get("Fn::Join") if isinstance(value, dict) else None
    if isinstance(parts, list) and len(parts) == 2 and all(isinstance(p, str) for p in parts[1]):
        return str(parts[0]).join(parts[1])
    raise DeployError(f"{logical}: DefinitionString is neither text nor a join of text; cannot apply its substitutions")


def _apply_substitutions(template: dict[str, Any]) -> None:
    for logical, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        substitutions = props.pop("DefinitionSubstitutions", None) if resource["Type"] == "AWS::StepFunctions::StateMachine" else None
        if not substitutions:
            continue
        pieces: list[Any] = []
        for i, part in enumerate(_PLACEHOLDER.split(_definition_text(logical, props["DefinitionString"]))):
            if i % 2 == 0:
                pieces.append(part)
            else:  # a placeholder's name: its value, or the placeholder itself when it has none
                pieces.append(substitutions.get(part, "${" + part + "}"))
        props["DefinitionString"] = {"Fn::Join": ["", [p for p in pieces if p != ""]]}


def _path_id(path: str) -> str:
    """``/flows/{flow}/runs`` → ``FlowsByFlowRuns`` (``Root`` for ``/``)."""
    words = [("By" + seg[1:-1].capitalize() if seg.startswith("{") else seg) for seg in path.strip("/").split("/") if seg]
    return "".join(re.sub(r"[^A-Za-z0-9]", "", w[:1].upper() + w[1:]) for w in words) or "Root"


def _new_id(resources: dict[str, Any], logical: str, what: str) -> str:
    if logical in resources:
        raise DeployError(f"cannot name the API resource of {what}: {logical} is taken")
    return logical


def _method(api: str, resource_id: Any, method: str, operation: dict[str, Any], schemes: dict[str, Any]) -> dict[str, Any]:
    security = operation.get("security", [])
    if not isinstance(security, list):
        raise DeployError(f"{api}: the security of {method.upper()} is {security!r}, not a list", hint="apply the template's conditions first (orchestrator.deploy.conditions.apply_conditions)")
    names = {name for requirement in security for name in requirement}
    sigv4 = any(schemes.get(n, {}).get("x-amazon-apigateway-authtype") == "awsSigv4" for n in names)
    api_key = any(schemes.get(n, {}).get("type") == "apiKey" and schemes[n].get("name", "").lower() == "x-api-key" for n in names)
    integration = operation.get("x-amazon-apigateway-integration", {})
    props: dict[str, Any] = {
        "RestApiId": {"Ref": api},
        "ResourceId": resource_id,
        "HttpMethod": method.upper(),
        "AuthorizationType": "AWS_IAM" if sigv4 else "NONE",
        "ApiKeyRequired": api_key,
        "Integration": {
            "Type": str(integration.get("type", "MOCK")).upper(),
            "IntegrationHttpMethod": integration.get("httpMethod", "POST"),
            "Uri": integration.get("uri", ""),
        },
    }
    return {"Type": "AWS::ApiGateway::Method", "Properties": props}


def _expand_rest_api(template: dict[str, Any], api: str) -> None:
    resources: dict[str, Any] = template["Resources"]
    body = resources[api]["Properties"].pop("Body", None)
    if not isinstance(body, dict):
        return
    schemes = body.get("components", {}).get("securitySchemes", {}) or body.get("securityDefinitions", {})
    root = {"Fn::GetAtt": [api, "RootResourceId"]}
    path_ids: dict[str, Any] = {"": root}
    methods: list[str] = []
    for path, operations in sorted(body.get("paths", {}).items()):
        segments = [seg for seg in path.split("/") if seg]
        for depth in range(1, len(segments) + 1):
            prefix = "/" + "/".join(segments[:depth])
            if prefix in path_ids:
                continue
            logical = _new_id(resources, f"{api}Resource{_path_id(prefix)}", prefix)
            parent = path_ids["/" + "/".join(segments[: depth - 1]) if depth > 1 else ""]
            resources[logical] = {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {"RestApiId": {"Ref": api}, "ParentId": parent, "PathPart": segments[depth - 1]},
            }
            path_ids[prefix] = {"Ref": logical}
        for method, operation in sorted(operations.items()):
            if method.startswith("x-") or not isinstance(operation, dict):
                continue
            logical = _new_id(resources, f"{api}Method{_path_id(path)}{method.capitalize()}", f"{method} {path}")
            resources[logical] = _method(api, path_ids["/" + "/".join(segments) if segments else ""], method, operation, schemes)
            methods.append(logical)
    for resource in resources.values():  # a deployment needs the methods to exist first
        if resource["Type"] == "AWS::ApiGateway::Deployment" and references(resource.get("Properties", {})) & {api}:
            depends = resource.get("DependsOn", [])
            resource["DependsOn"] = [*([depends] if isinstance(depends, str) else depends), *methods]


def adapt_for_moto(template: dict[str, Any]) -> tuple[dict[str, Any], list[Dropped]]:
    """A copy of the translated ``template`` that moto can create, and what was dropped from it."""
    adapted = copy.deepcopy(template)
    dropped = _drop_unsupported(adapted)
    _resolve_refs(adapted)
    _apply_substitutions(adapted)
    for logical, resource in list(adapted["Resources"].items()):
        if resource["Type"] == "AWS::ApiGateway::RestApi":
            _expand_rest_api(adapted, logical)
    return adapted, dropped
