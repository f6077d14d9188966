"""Apply a template's Conditions for given parameter values, as CloudFormation does at deploy time.

The SAM transform leaves conditions alone (``Fn::If`` inside an API's OpenAPI body stays an
``Fn::If``), so what a parameter switches on or off shows only here: :func:`apply_conditions`
evaluates every condition (``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``, ``Condition``) with
the parameter values given, else the parameters' defaults; replaces each ``Fn::If`` by the branch
it picks (``Ref AWS::NoValue`` removes the key or list item); and leaves out the resources and
outputs whose ``Condition`` is false (and ``DependsOn`` entries naming them). The input is not changed.

Example::

    deployed = apply_conditions(translate(sam, {"ApiAuth": "IAM"}, region), {"ApiAuth": "IAM"})
    assert "ApiUsagePlan" not in deployed["Resources"]
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from orchestrator.deploy.errors import DeployError

__all__ = ["apply_conditions", "evaluate_conditions"]

_NO_VALUE = object()


def _parameter_values(template: Mapping[str, Any], parameters: Mapping[str, str]) -> dict[str, str]:
    values = {name: str(spec["Default"]) for name, spec in template.get("Parameters", {}).items() if "Default" in spec}
    values.update(parameters)
    return values


def evaluate_conditions(template: Mapping[str, Any], parameters: Mapping[str, str]) -> dict[str, bool]:
    """Each condition of ``template`` → its value for ``parameters`` (defaults for those not given).

    Raises :class:`DeployError` when a condition refers to a parameter without a value, to an
    unknown condition, or uses a function CloudFormation does not allow there.
    """
    values = _parameter_values(template, parameters)
    conditions: Mapping[str, Any] = template.get("Conditions", {})
    results: dict[str, bool] = {}

    def value(node: Any, where: str) -> str:
        if isinstance(node, dict) and set(node) == {"Ref"}:
            if node["Ref"] not in values:
                raise DeployError(f"condition {where}: parameter {node['Ref']!r} has no value", hint="pass it, or give it a Default")
            return values[node["Ref"]]
        if isinstance(node, (str, int, float, bool)):
            return str(node)
        raise DeployError(f"condition {where}: cannot evaluate {node!r} (only Ref to a parameter, or a literal)")

    def truth(node: Any, where: str) -> bool:
        function, args = next(iter(node.items())) if isinstance(node, dict) and len(node) == 1 else ("", [])
        if function == "Condition":
            return condition(str(args))
        if function == "Fn::Equals":
            left, right = (value(arg, where) for arg in args)
            return left == right
        if function == "Fn::Not":
            return not truth(args[0], where)
        if function in ("Fn::And", "Fn::Or"):
            combine = all if function == "Fn::And" else any
            return combine(truth(arg, where) for arg in args)
        raise DeployError(f"condition {where}: {node!r} is no condition function (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition)")

    def condition(name: str) -> bool:
        if name not in conditions:
            raise DeployError(f"no condition {name!r} in the template's Conditions")
        if name not in results:
            results[name] = truth(conditions[name], name)
        return results[name]

    for name in conditions:
        condition(name)
    return results


def _holds(conditions: Mapping[str, bool], name: str, where: str) -> bool:
    if name not in conditions:
        raise DeployError(f"{where} names no condition of the template: {name!r}")
    return conditions[name]


def _resolve(node: Any, conditions: Mapping[str, bool]) -> Any:
    if isinstance(node, list):
        return [item for item in (_resolve(i, conditions) for i in node) if item is not _NO_VALUE]
    if not isinstance(node, dict):
        return node
    if node == {"Ref": "AWS::NoValue"}:
        return _NO_VALUE
    if len(node) == 1 and "Fn::If" in node:
        name, when_true, when_false = node["Fn::If"]
        return _resolve(when_true if _holds(conditions, name, "Fn::If") else when_false, conditions)
    return {key: item for key, item in ((k, _resolve(v, conditions)) for k, v in node.items()) if item is not _NO_VALUE}


def apply_conditions(template: Mapping[str, Any], parameters: Mapping[str, str]) -> dict[str, Any]:
    """``template`` as CloudFormation would create it for ``parameters``: see the module docstring."""
    conditions = evaluate_conditions(template, parameters)
    applied = copy.deepcopy(dict(template))
    for section in ("Resources", "Outputs"):
        if section in applied:
            applied[section] = {
                name: _resolve(entry, conditions) for name, entry in applied[section].items()
                if "Condition" not in entry or _holds(conditions, entry["Condition"], f"{section}.{name}")
            }
    for resource in applied.get("Resources", {}).values():
        if "DependsOn" in resource:
            depends = resource["DependsOn"] if isinstance(resource["DependsOn"], list) else [resource["DependsOn"]]
            resource["DependsOn"] = [d for d in depends if d in applied["Resources"]]
    return applied
