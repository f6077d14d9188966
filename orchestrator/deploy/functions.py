"""A node function's Lambda in the SAM template, and its optional ``function.json``.

``functions/<name>/function.json``: ``{"timeout": 60, "memory": 512, "policies": [<SAM policy
template>...], "environment": {...}, "parameters": {...}}``. Its ``parameters`` become template
Parameters (``{"ReportSender": {"Type": "String", ...}}``) that its policies and environment may
``Ref``; every ``Ref`` there must name a parameter or a resource (:func:`check_refs`).
"""

from __future__ import annotations

import json
from typing import Any

from orchestrator.errors import FlowctlError
from orchestrator.flowlang.project import Project

__all__ = ["FUNCTION_KEYS", "check_refs", "function_config", "function_parameters", "node_function"]

FUNCTION_KEYS = ("timeout", "memory", "policies", "environment", "description", "parameters")


def function_config(project: Project, name: str) -> dict[str, Any]:
    """``functions/<name>/function.json`` of ``project``, checked (``{}`` when there is none)."""
    path = project.functions_dir / name / "function.json"
    if not path.exists():
        return {}
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise FlowctlError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", where=str(path)) from None
    unknown = set(config) - set(FUNCTION_KEYS)
    if unknown:
        raise FlowctlError(f"unknown key(s) {sorted(unknown)} (allowed: {', '.join(FUNCTION_KEYS)})", where=str(path))
    parameters = config.get("parameters", {})
    if not isinstance(parameters, dict) or not all(
        param.isascii() and param.isalnum() and isinstance(spec, dict) and "Type" in spec for param, spec in parameters.items()
    ):
        raise FlowctlError('"parameters" maps alphanumeric names to CloudFormation parameters, e.g. {"Sender": {"Type": "String"}}', where=str(path))
    return dict(config)


def _refs(value: Any) -> set[str]:
    """Every name that ``value`` (template data) refers to with ``Ref``."""
    if isinstance(value, dict):
        found = {value["Ref"]} if isinstance(value.get("Ref"), str) else set()
        return found.union(*(_refs(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(item) for item in value))
    return set()


def function_parameters(project: Project, configs: dict[str, dict[str, Any]], builtin: dict[str, Any]) -> dict[str, Any]:
    """The Parameters that node functions declare; each declared once, none shadowing a built-in."""
    declared: dict[str, Any] = {}
    for name, config in configs.items():
        for param, spec in sorted(config.get("parameters", {}).items()):
            if param in builtin or declared.get(param, spec) != spec:
                raise FlowctlError(
                    f"parameter {param!r} is already declared "
                    "differently (by the template or another function): rename it or declare it alike",
                    where=str(project.functions_dir / name / "function.json"),
                )
            declared[param] = spec
    return declared


def check_refs(project: Project, name: str, config: dict[str, Any], known: set[str]) -> None:
    """Every ``Ref`` of a function's policies and environment names one of ``known``."""
    unknown = sorted(ref for ref in _refs([config.get("policies"), config.get("environment")]) if ref not in known and not ref.startswith("AWS::"))
    if unknown:
        raise FlowctlError(
            f"Ref to {', '.join(unknown)} names no parameter or resource "
            "(declare it under \"parameters\")",
            where=str(project.functions_dir / name / "function.json"),
        )


def node_function(name: str, config: dict[str, Any], *, reads_runs: bool = False) -> dict[str, Any]:
    """The ``AWS::Serverless::Function`` of node function ``name`` (``reads_runs``: it reads an
    aggregated foreach's results from the run table)."""
    # A function that receives an aggregated foreach's results reads its aggregation items.
    reads = [{"DynamoDBReadPolicy": {"TableName": {"Ref": "RunTable"}}}] if reads_runs else []
    props: dict[str, Any] = {
        "CodeUri": f"functions/{name}/",
        "Handler": "app.lambda_handler",
        "Description": config.get("description", f"flowctl node function {name}"),
        "Policies": [
            {"DynamoDBWritePolicy": {"TableName": {"Ref": "RunTable"}}},
            *reads,
            {"S3CrudPolicy": {"BucketName": {"Ref": "PayloadBucket"}}},
            *config.get("policies", []),
        ],
    }
    if "timeout" in config:
        props["Timeout"] = config["timeout"]
    if "memory" in config:
        props["MemorySize"] = config["memory"]
    if config.get("environment"):
        props["Environment"] = {"Variables": dict(sorted(config["environment"].items()))}
    return {"Type": "AWS::Serverless::Function", "Properties": props}
