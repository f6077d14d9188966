"""GIVEN a template with Conditions WHEN they are applied for parameter values THEN each Fn::If is the
branch CloudFormation would take, and resources and outputs under a false condition are left out."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.deploy.conditions import apply_conditions, evaluate_conditions
from orchestrator.deploy.errors import DeployError


def template() -> dict[str, Any]:
    return {
        "Parameters": {"Mode": {"Type": "String", "Default": "a"}, "Env": {"Type": "String"}},
        "Conditions": {
            "IsB": {"Fn::Equals": [{"Ref": "Mode"}, "b"]},
            "IsProd": {"Fn::Equals": ["prod", {"Ref": "Env"}]},
            "BInProd": {"Fn::And": [{"Condition": "IsB"}, {"Condition": "IsProd"}]},
            "NotB": {"Fn::Not": [{"Condition": "IsB"}]},
            "BOrProd": {"Fn::Or": [{"Condition": "IsB"}, {"Condition": "IsProd"}]},
        },
        "Resources": {
            "Always": {"Type": "AWS::SQS::Queue", "DependsOn": ["OnlyB", "Other"], "Properties": {
                "Tags": [{"Fn::If": ["IsB", {"Key": "mode", "Value": "b"}, {"Ref": "AWS::NoValue"}]}],
                "Body": {"paths": {"/x": {"get": {"security": {"Fn::If": ["IsB", [{"key": []}], [{"sigv4": []}]]}}}}},
                "DelaySeconds": {"Fn::If": ["IsB", 5, {"Ref": "AWS::NoValue"}]},
            }},
            "OnlyB": {"Type": "AWS::SQS::Queue", "Condition": "IsB", "Properties": {}},
            "Other": {"Type": "AWS::SQS::Queue", "Properties": {}},
        },
        "Outputs": {"OnlyB": {"Condition": "IsB", "Value": {"Ref": "OnlyB"}}, "Name": {"Value": {"Ref": "Always"}}},
    }


def test_conditions_use_the_values_given_else_the_defaults() -> None:
    assert evaluate_conditions(template(), {"Env": "prod"}) == {
        "IsB": False, "IsProd": True, "BInProd": False, "NotB": True, "BOrProd": True}
    assert evaluate_conditions(template(), {"Mode": "b", "Env": "dev"}) == {
        "IsB": True, "IsProd": False, "BInProd": False, "NotB": False, "BOrProd": True}


def test_a_false_condition_takes_the_else_branch_and_leaves_out_its_resources_outputs_and_dependencies() -> None:
    source = template()
    applied = apply_conditions(source, {"Env": "dev"})
    assert set(applied["Resources"]) == {"Always", "Other"} and set(applied["Outputs"]) == {"Name"}
    always = applied["Resources"]["Always"]
    assert always["DependsOn"] == ["Other"]
    assert always["Properties"] == {"Tags": [], "Body": {"paths": {"/x": {"get": {"security": [{"sigv4": []}]}}}}}
    assert "OnlyB" in source["Resources"] and "Fn::If" in source["Resources"]["Always"]["Properties"]["DelaySeconds"], "the input is not changed"


def test_a_true_condition_takes_the_then_branch_and_keeps_its_resources() -> None:
    applied = apply_conditions(template(), {"Mode": "b", "Env": "dev"})
    assert set(applied["Resources"]) == {"Always", "OnlyB", "Other"} and set(applied["Outputs"]) == {"OnlyB", "Name"}
    props = applied["Resources"]["Always"]["Properties"]
    assert props["Tags"] == [{"Key": "mode", "Value": "b"}] and props["DelaySeconds"] == 5
    assert props["Body"]["paths"]["/x"]["get"]["security"] == [{"key": []}]


@pytest.mark.parametrize(("change", "parameters", "message"), [
    (lambda t: None, {}, "parameter 'Env' has no value"),
    (lambda t: t["Conditions"].update(Bad={"Fn::Equals": [{"Fn::FindInMap": ["M", "k", "v"]}, "x"]}), {"Env": "dev"}, "cannot evaluate"),
    (lambda t: t["Conditions"].update(Bad={"Condition": "Missing"}), {"Env": "dev"}, "no condition 'Missing'"),
    (lambda t: t["Resources"]["Other"].update(Condition="Missing"), {"Env": "dev"}, "Resources.Other names no condition of the template: 'Missing'"),
])
def test_what_cannot_be_evaluated_is_a_deploy_error(change: Any, parameters: dict[str, str], message: str) -> None:
    source = template()
    change(source)
    with pytest.raises(DeployError, match=message):
        apply_conditions(source, parameters)
