"""GIVEN the committed template.yaml THEN it is lint-clean, least-privilege and wires every flow."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.deploy.synth import EXPRESS_LOG_FILTER
from orchestrator.service.tracker import LOG_STATUS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return yaml.safe_load(TEMPLATE_PATH.read_text())


def _walk(value: Any):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


@pytest.mark.slow  # cfn-lint loads its whole resource spec (tens of seconds)
def test_cfn_lint_reports_nothing() -> None:
    from cfnlint.api import lint_all

    matches = lint_all(TEMPLATE_PATH.read_text())
    # Errors and warnings only: informational rules (I*) are advice, as in the CLI's default.
    assert [str(m) for m in matches if m.rule.id[0] in "EW"] == []


def test_every_flow_has_a_state_machine_with_its_function_arns(template) -> None:
    resources = template["Resources"]
    for flow_path in sorted((ROOT / "flows").glob("*.json")):
        name = flow_path.stem
        machines = [r for r in resources.values() if r["Type"] == "AWS::Serverless::StateMachine" and r["Properties"]["DefinitionUri"] == f"statemachines/{name}.asl.json"]
        assert len(machines) == 1, name
        definition = (ROOT / "statemachines" / f"{name}.asl.json").read_text()
        subs = machines[0]["Properties"]["DefinitionSubstitutions"]
        for key in subs:
            assert "${" + key + "}" in definition
        placeholders = {part.split("}")[0] for part in definition.split("${")[1:]}
        assert placeholders == set(subs), name
        assert machines[0]["Properties"]["Tracing"] == {"Enabled": True}
        assert machines[0]["Properties"]["Logging"]["Destinations"]


def test_every_function_folder_is_a_function_resource(template) -> None:
    code_uris = {r["Properties"]["CodeUri"] for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"}
    folders = {f"functions/{p.name}/" for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()}
    assert folders <= code_uris


def test_no_wildcard_actions_and_no_full_access_policies(template) -> None:
    text = json.dumps(template)
    assert "FullAccess" not in text
    for node in _walk(template):
        if "Action" in node:
            actions = node["Action"] if isinstance(node["Action"], list) else [node["Action"]]
            assert all("*" not in action for action in actions), node


def test_schedules_pass_timezone_and_scheduled_time(template) -> None:
    machine = template["Resources"]["ApiExtractStateMachine"]["Properties"]
    schedule = machine["Events"]["Schedule1"]["Properties"]
    assert schedule["ScheduleExpression"] == "cron(0 2 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "Asia/Bangkok"
    assert json.loads(schedule["Input"]) == {"run_date": "<aws.scheduler.scheduled-time>", "source": "orders"}


def test_globals_parameters_and_outputs(template) -> None:
    function_globals = template["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.12"
    assert function_globals["Tracing"] == "Active"
    assert "POWERTOOLS_SERVICE_NAME" in function_globals["Environment"]["Variables"]
    assert {"Stage", "LogLevel", "LogRetentionDays", "ApiAuth"} <= set(template["Parameters"])
    assert {"ApiUrl", "RunTableName", "EventBusName", "KycStateMachineArn"} <= set(template["Outputs"])
    table = template["Resources"]["RunTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST" and table["TimeToLiveSpecification"]["Enabled"]
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    bucket = template["Resources"]["PayloadBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True


def machines_of_type(template: dict[str, Any], type_: str) -> list[str]:
    return sorted(k for k, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::StateMachine" and r["Properties"]["Type"] == type_)


def tracker_events(template: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [e["Properties"] for e in template["Resources"]["TrackerFunction"]["Properties"]["Events"].values() if e["Type"] == type_]


def test_each_express_machine_logs_its_executions_to_a_group_the_tracker_subscribes_to(template) -> None:
    express = machines_of_type(template, "EXPRESS")
    assert express
    for machine in express:
        logging = template["Resources"][machine]["Properties"]["Logging"]
        assert (logging["Level"], logging["IncludeExecutionData"]) == ("ALL", {"Fn::If": ["LogExecutionData", True, False]}), machine
        assert logging["Destinations"] == [{"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": [f"{machine}Logs", "Arn"]}}}]
    subscriptions = {e["LogGroupName"]["Ref"]: e["FilterPattern"] for e in tracker_events(template, "CloudWatchLogs")}
    assert subscriptions == {f"{machine}Logs": EXPRESS_LOG_FILTER for machine in express}


def test_standard_machines_are_tracked_by_their_eventbridge_status_changes_only(template) -> None:
    standard = machines_of_type(template, "STANDARD")
    assert standard
    (rule,) = tracker_events(template, "EventBridgeRule")
    assert rule["Pattern"]["detail-type"] == ["Step Functions Execution Status Change"]
    assert rule["Pattern"]["detail"]["stateMachineArn"] == [{"Ref": machine} for machine in standard]


def test_the_log_filter_passes_exactly_the_execution_events_the_tracker_reads() -> None:
    clause = r'\(\$\.type = "([A-Za-z]+)"\)'
    assert re.fullmatch(r"\{ " + clause + r"(?: \|\| " + clause + r")* \}", EXPRESS_LOG_FILTER), EXPRESS_LOG_FILTER
    passed = set(re.findall(clause, EXPRESS_LOG_FILTER))
    assert passed == set(LOG_STATUS)
    delivery = json.loads((ROOT / "events" / "tracker-express-logs.json").read_text())
    records = json.loads(gzip.decompress(base64.b64decode(delivery["awslogs"]["data"])))["logEvents"]
    types = [json.loads(r["message"])["type"] for r in records]
    assert [t for t in types if t in passed] == ["ExecutionStarted", "ExecutionSucceeded"]
