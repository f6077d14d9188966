"""``template.yaml``: the SAM application of a project, generated from its flows and functions.

One ``AWS::Serverless::StateMachine`` per flow (ASL from ``statemachines/``, function ARNs through
``DefinitionSubstitutions``, logging and tracing on, least-privilege policies), one
``AWS::Serverless::Function`` per node function and per platform function (api, tracker, waiter,
event_router: handlers of :mod:`orchestrator.platform`, run from the layer), the run table, the payload bucket, the event bus, the REST API (its definition and
auth: :mod:`orchestrator.deploy.rest_api`) and the runtime layer (built from ``.flowctl/layer/``,
which :func:`write_template` writes from the installed package: :mod:`orchestrator.deploy.layer`). Flow ``schedules`` become
``ScheduleV2`` events (EventBridge Scheduler, with time zone and the scheduled time passed as a
parameter), ``triggers`` become ``EventBridgeRule`` events. The tracker hears of Standard runs from
EventBridge status changes and of Express runs from their machine's log group, to which it subscribes
with :data:`EXPRESS_LOG_FILTER` (EventBridge sends status changes of Standard workflows only).

A node function may add ``functions/<name>/function.json``: ``{"timeout": 60, "memory": 512,
"policies": [<SAM policy template>...], "environment": {...}, "parameters": {...}}``. Its
``parameters`` become template Parameters (``{"ReportSender": {"Type": "String", ...}}``) that its
policies and environment may ``Ref``; every ``Ref`` there must name a parameter or a resource.

Output is deterministic; ``flowctl synth`` writes it and a test fails when it is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from orchestrator.compiler import CompiledFlow, compile_flow_file
from orchestrator.compiler.asl import PROJECT_DATA_BUCKET, PROJECT_DATA_BUCKET_PLACEHOLDER
from orchestrator.compiler.names import (
    pascal,
)
from orchestrator.constants import DEFAULT_FUNCTION_TIMEOUT_SECONDS
from orchestrator.deploy.checkov_skips import annotate as annotate_checkov_skips
from orchestrator.deploy.layer import LAYER_DIR, write_layer_source
from orchestrator.deploy.rest_api import API_KEY_CONDITION, API_ROUTES, api_outputs, api_resources
from orchestrator.errors import FlowctlError, Problem
from orchestrator.flowlang.fanout import aggregate_readers
from orchestrator.flowlang.project import Project
from orchestrator.flowlang.schedules import normalize_cron
from orchestrator.flowlang.schema import schema_text
from orchestrator.platform import PLATFORM_FUNCTIONS, handler_path
from orchestrator.scaffold import SCHEMA_FILE
from orchestrator.store.dynamodb_schema import cloudformation_properties

__all__ = ["API_ROUTES", "EVENT_SOURCE", "EXPRESS_LOG_FILTER", "build_template", "template_text"]

EVENT_SOURCE = "flowctl.events"
RUNTIME = "python3.12"
EXECUTION_DATA_CONDITION = "LogExecutionData"
PLATFORM = PLATFORM_FUNCTIONS
PLATFORM_CODE_URI = "flows/"
"""Code package of the platform functions: their handlers run from the runtime layer
(:mod:`orchestrator.platform`); the package is the project's flows, which the API serves."""
FUNCTION_KEYS = ("timeout", "memory", "policies", "environment", "description", "parameters")
EXECUTION_LOG_TYPES = ("ExecutionStarted", "ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut")
EXPRESS_LOG_FILTER = "{ " + " || ".join(f'($.type = "{t}")' for t in EXECUTION_LOG_TYPES) + " }"
"""CloudWatch Logs filter of an Express machine's log that the tracker subscribes to: execution events only."""
SEND_TASK_ACTIONS = ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"]
LOG_DELIVERY_ACTIONS = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
]


def _ref(name: str) -> dict[str, Any]:
    return {"Ref": name}


def _arn(resource: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [resource, "Arn"]}


def _sm_name(flow: str) -> dict[str, Any]:
    return {"Fn::Sub": f"${{AWS::StackName}}-{flow}"}


def _sm_arn(flow: str, kind: str = "stateMachine", suffix: str = "") -> dict[str, Any]:
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:states:${{AWS::Region}}:${{AWS::AccountId}}:{kind}:${{AWS::StackName}}-{flow}{suffix}"}


def function_resource(name: str) -> str:
    """Logical id of a function: ``get_image`` → ``GetImageFunction``."""
    return f"{pascal(name)}Function"


def state_machine_resource(flow: str) -> str:
    return f"{pascal(flow)}StateMachine"


def _function_config(project: Project, name: str) -> dict[str, Any]:
    path = project.functions_dir / name / "function.json"
    if not path.exists():
        return {}
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise FlowctlError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    unknown = set(config) - set(FUNCTION_KEYS)
    if unknown:
        raise FlowctlError(f"{path}: unknown key(s) {sorted(unknown)} (allowed: {', '.join(FUNCTION_KEYS)})")
    parameters = config.get("parameters", {})
    if not isinstance(parameters, dict) or not all(
        param.isascii() and param.isalnum() and isinstance(spec, dict) and "Type" in spec for param, spec in parameters.items()
    ):
        raise FlowctlError(f'{path}: "parameters" maps alphanumeric names to CloudFormation parameters, e.g. {{"Sender": {{"Type": "String"}}}}')
    return dict(config)


def _refs(value: Any) -> set[str]:
    """Every name that ``value`` (template data) refers to with ``Ref``."""
    if isinstance(value, dict):
        found = {value["Ref"]} if isinstance(value.get("Ref"), str) else set()
        return found.union(*(_refs(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(item) for item in value))
    return set()


def _function_parameters(project: Project, configs: dict[str, dict[str, Any]], builtin: dict[str, Any]) -> dict[str, Any]:
    """The Parameters that node functions declare; each declared once, none shadowing a built-in."""
    declared: dict[str, Any] = {}
    for name, config in configs.items():
        for param, spec in sorted(config.get("parameters", {}).items()):
            if param in builtin or declared.get(param, spec) != spec:
                raise FlowctlError(
                    f"{project.functions_dir / name / 'function.json'}: parameter {param!r} is already declared "
                    "differently (by the template or another function): rename it or declare it alike"
                )
            declared[param] = spec
    return declared


def _check_refs(project: Project, name: str, config: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(ref for ref in _refs([config.get("policies"), config.get("environment")]) if ref not in known and not ref.startswith("AWS::"))
    if unknown:
        raise FlowctlError(
            f"{project.functions_dir / name / 'function.json'}: Ref to {', '.join(unknown)} names no parameter or resource "
            "(declare it under \"parameters\")"
        )


def _node_function(name: str, config: dict[str, Any], *, reads_runs: bool = False) -> dict[str, Any]:
    # A function that receives an aggregated foreach's results reads its aggregation items.
    reads = [{"DynamoDBReadPolicy": {"TableName": _ref("RunTable")}}] if reads_runs else []
    props: dict[str, Any] = {
        "CodeUri": f"functions/{name}/",
        "Handler": "app.lambda_handler",
        "Description": config.get("description", f"flowctl node function {name}"),
        "Policies": [
            {"DynamoDBWritePolicy": {"TableName": _ref("RunTable")}},
            *reads,
            {"S3CrudPolicy": {"BucketName": _ref("PayloadBucket")}},
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


def _schedule_events(compiled: CompiledFlow) -> dict[str, Any]:
    events: dict[str, Any] = {}
    for i, schedule in enumerate(compiled.flow.schedules, start=1):
        expression = f"cron({normalize_cron(schedule.cron)})" if schedule.cron else (
            schedule.rate if schedule.rate and schedule.rate.startswith("rate(") else f"rate({schedule.rate})"
        )
        payload = dict(schedule.input)
        if schedule.time_param:
            payload[schedule.time_param] = "<aws.scheduler.scheduled-time>"
        props: dict[str, Any] = {
            "ScheduleExpression": expression,
            "ScheduleExpressionTimezone": schedule.timezone,
            "Input": json.dumps(payload, sort_keys=True),
            "State": "ENABLED" if schedule.enabled else "DISABLED",
        }
        if schedule.description:
            props["Description"] = schedule.description
        events[f"Schedule{i}"] = {"Type": "ScheduleV2", "Properties": props}
    for i, trigger in enumerate(compiled.flow.triggers, start=1):
        props = {"Pattern": trigger.pattern, "EventBusName": trigger.bus if trigger.bus else _ref("EventBus")}
        if trigger.input_path:
            props["InputPath"] = trigger.input_path
        events[f"Trigger{i}"] = {"Type": "EventBridgeRule", "Properties": props}
    return events


def _state_machine(compiled: CompiledFlow) -> dict[str, Any]:
    flow = compiled.flow.name
    policies: list[Any] = [
        {"LambdaInvokePolicy": {"FunctionName": _ref(function_resource(f))}} for f in compiled.functions
    ]
    statements: list[dict[str, Any]] = [{"Effect": "Allow", "Action": LOG_DELIVERY_ACTIONS, "Resource": "*"}]
    for bucket in compiled.build.item_buckets:  # ItemReader: the Map reads its items itself
        name = _ref("PayloadBucket") if bucket == PROJECT_DATA_BUCKET_PLACEHOLDER else bucket
        policies.append({"S3ReadPolicy": {"BucketName": name}})
    for child in compiled.nested_flows:
        policies.append({"StepFunctionsExecutionPolicy": {"StateMachineName": _sm_name(child)}})
        statements.append({
            "Effect": "Allow",
            "Action": ["states:DescribeExecution", "states:StopExecution"],
            "Resource": _sm_arn(child, "execution", ":*"),
        })
    if compiled.nested_flows:
        statements.append({
            "Effect": "Allow",
            "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"},
        })
    if compiled.build.distributed_maps:
        statements.append({"Effect": "Allow", "Action": ["states:StartExecution"], "Resource": _sm_arn(flow)})
        statements.append({
            "Effect": "Allow",
            "Action": ["states:DescribeExecution", "states:StopExecution"],
            "Resource": _sm_arn(flow, "execution", "/*"),
        })
    policies.append({"Statement": statements})
    substitutions: dict[str, Any] = {}
    for key, target in compiled.substitutions.items():
        if key == PROJECT_DATA_BUCKET:
            substitutions[key] = _ref("PayloadBucket")
        elif key.endswith("FunctionArn"):
            substitutions[key] = _arn(function_resource(target))
        else:
            substitutions[key] = _ref(state_machine_resource(target))
    props: dict[str, Any] = {
        "Name": _sm_name(flow),
        "Type": compiled.type,
        "DefinitionUri": f"statemachines/{flow}.asl.json",
        "DefinitionSubstitutions": dict(sorted(substitutions.items())),
        "Logging": {
            "Level": "ALL" if compiled.type == "EXPRESS" else "ERROR",
            "IncludeExecutionData": {"Fn::If": [EXECUTION_DATA_CONDITION, True, False]},
            "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": _arn(f"{state_machine_resource(flow)}Logs")}}],
        },
        "Tracing": {"Enabled": True},
        "Policies": policies,
    }
    events = _schedule_events(compiled)
    if events:
        props["Events"] = events
    return {"Type": "AWS::Serverless::StateMachine", "Properties": props}


def _tracker_events(compiled: list[CompiledFlow]) -> dict[str, Any]:
    """Standard machines' status changes come from EventBridge; Express ones' from their execution logs."""
    standard = sorted(c.flow.name for c in compiled if c.type != "EXPRESS")
    express = sorted(c.flow.name for c in compiled if c.type == "EXPRESS")
    events: dict[str, Any] = {}
    if standard:
        pattern = {
            "source": ["aws.states"],
            "detail-type": ["Step Functions Execution Status Change"],
            "detail": {"stateMachineArn": [_ref(state_machine_resource(f)) for f in standard]},
        }
        events["StatusChange"] = {"Type": "EventBridgeRule", "Properties": {"Pattern": pattern}}
    for flow in express:
        events[f"ExpressLogs{pascal(flow)}"] = {
            "Type": "CloudWatchLogs",
            "Properties": {"LogGroupName": _ref(f"{state_machine_resource(flow)}Logs"), "FilterPattern": EXPRESS_LOG_FILTER},
        }
    return events


def _platform_functions(compiled: list[CompiledFlow]) -> dict[str, Any]:
    machines = sorted(c.flow.name for c in compiled)
    sm_arns = {"Fn::Sub": "{" + ", ".join(f'"{f}": "${{{state_machine_resource(f)}}}"' for f in machines) + "}"}
    send_task = {"Statement": [{"Effect": "Allow", "Action": SEND_TASK_ACTIONS, "Resource": "*"}]}
    execution_arns = [_sm_arn(f, "execution", ":*") for f in machines]
    api_policies: list[Any] = [
        {"DynamoDBCrudPolicy": {"TableName": _ref("RunTable")}},
        {"EventBridgePutEventsPolicy": {"EventBusName": _ref("EventBus")}},
        *({"StepFunctionsExecutionPolicy": {"StateMachineName": _sm_name(f)}} for f in machines),
        send_task,
    ]
    if machines:
        api_policies.append({"Statement": [{
            "Effect": "Allow",
            "Action": ["states:DescribeExecution", "states:StopExecution", "states:RedriveExecution"],
            "Resource": execution_arns,
        }]})
    return {
        "ApiFunction": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": PLATFORM_CODE_URI,
                "Handler": handler_path("api"),
                "Description": "flowctl API: start, list, inspect, cancel and redrive runs; publish events",
                "Environment": {"Variables": {"FLOWCTL_STATE_MACHINES": sm_arns, "FLOWCTL_EVENT_BUS": _ref("EventBus")}},
                "Policies": api_policies,
            },
        },
        "TrackerFunction": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": PLATFORM_CODE_URI,
                "Handler": handler_path("tracker"),
                "Description": "flowctl tracker: execution status changes (Standard) and execution logs (Express) → run records",
                "Policies": [{"DynamoDBCrudPolicy": {"TableName": _ref("RunTable")}}],
                **({"Events": events} if (events := _tracker_events(compiled)) else {}),
            },
        },
        "WaiterFunction": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": PLATFORM_CODE_URI,
                "Handler": handler_path("waiter"),
                "Description": "flowctl waiter: registers task tokens of wait_for nodes",
                "Policies": [{"DynamoDBCrudPolicy": {"TableName": _ref("RunTable")}}, send_task],
            },
        },
        "EventRouterFunction": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": PLATFORM_CODE_URI,
                "Handler": handler_path("event_router"),
                "Description": "flowctl event router: external events resume waiting runs or are buffered",
                "Policies": [{"DynamoDBCrudPolicy": {"TableName": _ref("RunTable")}}, send_task],
                "Events": {
                    "External": {
                        "Type": "EventBridgeRule",
                        "Properties": {"EventBusName": _ref("EventBus"), "Pattern": {"source": [EVENT_SOURCE]}},
                    }
                },
            },
        },
    }


def build_template(project: Project) -> dict[str, Any]:
    """The SAM template of ``project`` as plain data."""
    reserved = project.reserved_function_folders()
    if reserved:
        raise FlowctlError(
            f"{project.functions_dir}: function name(s) {', '.join(reserved)} are reserved for the platform's own functions",
            [Problem(f"functions/{name}/", f"'{name}' is a platform function", f"rename the folder (e.g. functions/{name}_step/) and the nodes that use it")
             for name in reserved],
        )
    compiled = [compile_flow_file(path, project) for path in project.flow_paths()]
    machines = sorted(c.flow.name for c in compiled)
    node_functions = sorted({f for c in compiled for f in c.functions if f not in PLATFORM} | set(project.function_names()))
    resources: dict[str, Any] = {}
    resources["RunTable"] = {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": cloudformation_properties()}
    resources["PayloadBucket"] = {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "LifecycleConfiguration": {"Rules": [{"Id": "expire-payloads", "Status": "Enabled", "ExpirationInDays": _ref("PayloadRetentionDays")}]},
        },
    }
    resources["EventBus"] = {"Type": "AWS::Events::EventBus", "Properties": {"Name": {"Fn::Sub": "${AWS::StackName}-events"}}}
    resources["RuntimeLayer"] = {
        "Type": "AWS::Serverless::LayerVersion",
        "Properties": {
            "Description": "flowctl runtime: the orchestrator package (what Lambdas import), Powertools, pydantic",
            "ContentUri": f"{LAYER_DIR.as_posix()}/",
            "CompatibleRuntimes": [RUNTIME],
            "RetentionPolicy": "Delete",
        },
        "Metadata": {"BuildMethod": "makefile"},
    }
    resources.update(api_resources("Stage"))
    configs = {name: _function_config(project, name) for name in node_functions}
    readers = {f for c in compiled for f in aggregate_readers(c.flow)}
    for name in node_functions:
        resources[function_resource(name)] = _node_function(name, configs[name], reads_runs=name in readers)
    resources.update(_platform_functions(compiled))
    for c in sorted(compiled, key=lambda c: c.flow.name):
        logical = state_machine_resource(c.flow.name)
        resources[f"{logical}Logs"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": f"/aws/vendedlogs/states/${{AWS::StackName}}-{c.flow.name}"},
                "RetentionInDays": _ref("LogRetentionDays"),
            },
        }
        resources[logical] = _state_machine(c)
    outputs: dict[str, Any] = {
        **api_outputs("Stage"),
        "RunTableName": {"Description": "DynamoDB table of runs and steps", "Value": _ref("RunTable")},
        "PayloadBucketName": {"Description": "S3 bucket for offloaded payloads", "Value": _ref("PayloadBucket")},
        "EventBusName": {"Description": "EventBridge bus for external events", "Value": _ref("EventBus")},
    }
    for name in machines:
        outputs[f"{state_machine_resource(name)}Arn"] = {"Description": f"State machine of flow {name}", "Value": _ref(state_machine_resource(name))}
    parameters: dict[str, Any] = {
        "Stage": {"Type": "String", "Default": "dev", "AllowedPattern": "^[a-z][a-z0-9-]{0,15}$", "Description": "API stage name"},
        "LogLevel": {"Type": "String", "Default": "INFO", "AllowedValues": ["DEBUG", "INFO", "WARNING", "ERROR"], "Description": "Powertools log level"},
        "LogRetentionDays": {"Type": "Number", "Default": 30, "AllowedValues": [1, 3, 5, 7, 14, 30, 60, 90, 180, 365], "Description": "Days to keep state machine logs"},
        "PayloadRetentionDays": {"Type": "Number", "Default": 30, "MinValue": 1, "Description": "Days to keep offloaded payloads"},
        "ApiAuth": {"Type": "String", "Default": "IAM", "AllowedValues": ["IAM", "API_KEY"], "Description": "IAM (SigV4) or IAM plus API keys"},
        "ExecutionDataLogging": {
            "Type": "String",
            "Default": "true",
            "AllowedValues": ["true", "false"],
            "Description": "Log each execution's input and output with its state machine logs (the tracker reads Express runs' outputs from them; false keeps data out of the logs, and Express runs are then recorded without their output)",
        },
    }
    parameters.update(_function_parameters(project, configs, parameters))
    annotate_checkov_skips(resources)
    for name in node_functions:
        _check_refs(project, name, configs[name], set(parameters) | set(resources))
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": "flowctl application (generated by `flowctl synth`; do not edit by hand)",
        "Parameters": parameters,
        "Conditions": {
            API_KEY_CONDITION: {"Fn::Equals": [_ref("ApiAuth"), "API_KEY"]},
            EXECUTION_DATA_CONDITION: {"Fn::Equals": [_ref("ExecutionDataLogging"), "true"]},
        },
        "Globals": {
            "Function": {
                "Runtime": RUNTIME,
                "Architectures": ["x86_64"],
                "Timeout": DEFAULT_FUNCTION_TIMEOUT_SECONDS,
                "MemorySize": 256,
                "Tracing": "Active",
                "Layers": [_ref("RuntimeLayer")],
                "Environment": {
                    "Variables": {
                        "POWERTOOLS_SERVICE_NAME": "flowctl",
                        "POWERTOOLS_LOG_LEVEL": _ref("LogLevel"),
                        "POWERTOOLS_METRICS_NAMESPACE": "flowctl",
                        "FLOWCTL_TABLE": _ref("RunTable"),
                        "FLOWCTL_PAYLOAD_BUCKET": _ref("PayloadBucket"),
                    }
                },
            }
        },
        "Resources": resources,
        "Outputs": outputs,
    }


def template_text(project: Project) -> str:
    """``template.yaml`` as committed."""
    header = "# Generated by `flowctl synth` from flows/ and functions/. Do not edit by hand.\n"
    return header + yaml.safe_dump(build_template(project), sort_keys=False, width=120, allow_unicode=True)


def write_template(project: Project, path: Path | None = None) -> Path:
    """Write ``template.yaml``, the runtime layer's source folder it builds from and, when the
    project keeps one, ``.flowctl/flow.schema.json``."""
    target = path or project.root / "template.yaml"
    target.write_text(template_text(project))
    write_layer_source(project.root)
    schema = project.root / SCHEMA_FILE
    if schema.exists():  # a project made by `flowctl init`: its flows' $schema follows this flowctl
        schema.write_text(schema_text())
    return target
