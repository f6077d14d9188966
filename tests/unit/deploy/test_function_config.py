"""GIVEN functions/<name>/function.json WHEN synthesized THEN its parameters, environment and policies
reach the template, and a Ref to nothing or a clashing parameter is a clear error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orchestrator.deploy.synth import build_template
from orchestrator.errors import FlowctlError
from orchestrator.flowlang.project import Project

SES = {"SESCrudPolicy": {"IdentityName": {"Ref": "SenderIdentity"}}}


def project_with(tmp_path: Path, config: dict[str, Any]) -> Project:
    folder = tmp_path / "functions" / "mailer"
    folder.mkdir(parents=True)
    (folder / "app.py").write_text("def lambda_handler(event, context):\n    return event\n")
    (folder / "function.json").write_text(json.dumps(config))
    return Project(tmp_path)


def test_parameters_become_template_parameters_that_policies_and_environment_use(tmp_path: Path) -> None:
    config = {
        "parameters": {"Sender": {"Type": "String", "Default": ""}, "SenderIdentity": {"Type": "String", "Default": ""}},
        "environment": {"SENDER": {"Ref": "Sender"}},
        "policies": [SES],
    }
    template = build_template(project_with(tmp_path, config))
    assert template["Parameters"]["Sender"] == {"Type": "String", "Default": ""}
    function = template["Resources"]["MailerFunction"]["Properties"]
    assert function["Environment"] == {"Variables": {"SENDER": {"Ref": "Sender"}}}
    assert SES in function["Policies"]


def test_a_ref_to_an_undeclared_parameter_is_an_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(FlowctlError, match=r"mailer/function.json: Ref to SenderIdentity names no parameter or resource"):
        build_template(project_with(tmp_path, {"policies": [SES]}))


def test_a_parameter_may_not_redefine_a_template_parameter(tmp_path: Path) -> None:
    with pytest.raises(FlowctlError, match="parameter 'Stage' is already declared"):
        build_template(project_with(tmp_path, {"parameters": {"Stage": {"Type": "String"}}}))


def test_a_parameter_needs_a_type(tmp_path: Path) -> None:
    with pytest.raises(FlowctlError, match='"parameters" maps alphanumeric names to CloudFormation parameters'):
        build_template(project_with(tmp_path, {"parameters": {"Sender": {"Default": "x"}}}))


def test_send_report_may_send_only_from_its_sender_identity() -> None:
    root = Path(__file__).resolve().parents[3]
    template = build_template(Project(root))
    function = template["Resources"]["SendReportFunction"]["Properties"]
    assert {"SESCrudPolicy": {"IdentityName": {"Ref": "ReportSenderIdentity"}}} in function["Policies"]
    assert function["Environment"]["Variables"] == {"FLOWCTL_EMAIL_SENDER": {"Ref": "ReportSender"}}
    assert {"ReportSender", "ReportSenderIdentity"} <= set(template["Parameters"])
