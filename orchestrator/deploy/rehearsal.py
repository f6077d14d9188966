"""Rehearse a deploy against a local AWS endpoint (a moto server): build, package, translate, create.

What ``sam deploy`` and CloudFormation do, done where moto falls short (see docs/deploying.md):

1. ``sam build`` (the SAM CLI of ``make tools``), or an existing build;
2. package: zip every function and the layer into an S3 bucket at the endpoint, definitions inline;
3. translate the SAM template with aws-sam-translator (moto does not apply the transform) and
   apply its conditions for the parameters given;
4. adapt it to moto (:mod:`orchestrator.deploy.moto_compat`), upload it, create the stack, wait;
5. check every state machine's definition: no ``${...}`` left, each substituted ARN real.

Example::

    result = rehearse(Path("."), "http://localhost:5000", stack_name="flowctl-rehearsal")
    assert result.ok, result.status
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import yaml
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from orchestrator.deploy.conditions import apply_conditions
from orchestrator.deploy.errors import DeployError
from orchestrator.deploy.moto_compat import Dropped, adapt_for_moto
from orchestrator.deploy.package import package_template
from orchestrator.deploy.sam import find_python_dir, find_sam, sam_build
from orchestrator.deploy.translate import translate

__all__ = ["ARTIFACT_BUCKET", "DEFAULT_STACK", "RehearsalResult", "StackResource", "check_definitions", "rehearse"]

DEFAULT_STACK = "flowctl-rehearsal"
ARTIFACT_BUCKET = "flowctl-rehearsal-artifacts"
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
STACK_TIMEOUT_SECONDS = 600
LOOPBACK = {"127.0.0.1", "::1", "0.0.0.0"}
_PLACEHOLDER = re.compile(r"\$\{[A-Za-z0-9_.:]+\}")
_API_ERRORS = (BotoCoreError, ClientError, ResponseParserError)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class StackResource:
    """One resource of the stack as CloudFormation reports it."""

    logical_id: str
    type: str
    status: str
    physical_id: str = ""
    reason: str = ""


@dataclass
class RehearsalResult:
    """What the rehearsal created, what it left out, and what the definition check found."""

    stack_name: str
    status: str
    reason: str = ""
    resources: list[StackResource] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    definition_problems: dict[str, list[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "CREATE_COMPLETE" and not any(self.definition_problems.values())


def _message(exc: Exception) -> str:
    """The service's own words of an API error (moto answers some query APIs in JSON)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message") or exc)
    found = re.search(r'"message":\s*"((?:[^"\\]|\\.)*)"', str(exc))
    return found.group(1).replace("\\'", "'") if found else str(exc)


class _Endpoint:
    """boto3 clients for one endpoint, with fake credentials (a rehearsal never reaches AWS)."""

    def __init__(self, url: str, region: str) -> None:
        self.url, self.region = url, region
        self._session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
        self._config = Config(connect_timeout=5, read_timeout=300, retries={"max_attempts": 1})

    def client(self, service: str) -> Any:
        return self._session.client(service, endpoint_url=self.url, config=self._config)  # type: ignore[call-overload]

    def check(self) -> None:
        try:
            self.client("s3").list_buckets()
        except _API_ERRORS as exc:
            raise DeployError(
                f"cannot reach an AWS endpoint at {self.url}: {_message(exc)}",
                hint="start a moto server first, e.g. `.venv/bin/moto_server -p 5000`, then pass --endpoint-url http://localhost:5000",
            ) from None

    def ensure_bucket(self, bucket: str) -> None:
        config = {} if self.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": self.region}}
        try:
            self.client("s3").create_bucket(Bucket=bucket, **config)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise DeployError(f"cannot create the artifact bucket {bucket}: {_message(exc)}") from None

    def upload(self, bucket: str, key: str, data: bytes) -> str:
        """Store ``data`` at the endpoint's S3; its ``s3://`` URI."""
        try:
            self.client("s3").put_object(Bucket=bucket, Key=key, Body=data)
        except _API_ERRORS as exc:
            raise DeployError(f"cannot upload s3://{bucket}/{key}: {_message(exc)}") from None
        return f"s3://{bucket}/{key}"

    def template_url(self, bucket: str, key: str) -> str:
        """Path-style URL of an object; moto resolves template URLs only when the host says localhost."""
        parts = urlsplit(self.url)
        host = "localhost" if parts.hostname in LOOPBACK else parts.hostname or "localhost"
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, f"/{bucket}/{key}", "", ""))


def _create_stack(cfn: Any, name: str, url: str, parameters: Mapping[str, str]) -> None:
    try:
        cfn.create_stack(
            StackName=name, TemplateURL=url, Capabilities=CAPABILITIES,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())],
        )
    except _API_ERRORS as exc:
        message = _message(exc)
        hint = ("pick another --stack-name, or restart the moto server" if "already exists" in message.lower()
                else "check template.yaml (`flowctl synth`); docs/deploying.md lists what moto cannot create")
        raise DeployError(f"CloudFormation did not create stack {name}: {message}", hint=hint) from None


def _wait(cfn: Any, name: str, timeout: float = STACK_TIMEOUT_SECONDS) -> tuple[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        status = stack["StackStatus"]
        if not status.endswith("_IN_PROGRESS"):
            return status, stack.get("StackStatusReason", "")
        if time.monotonic() > deadline:
            return status, f"still {status} after {timeout:.0f} s"
        time.sleep(0.5)


def _resources(cfn: Any, name: str) -> list[StackResource]:
    found = []
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=name):
        for r in page["StackResourceSummaries"]:
            found.append(StackResource(r["LogicalResourceId"], r["ResourceType"], r["ResourceStatus"],
                                       r.get("PhysicalResourceId", ""), r.get("ResourceStatusReason", "")))
    return sorted(found, key=lambda r: (r.type, r.logical_id))


def _function_arns(lam: Any, resources: list[StackResource]) -> dict[str, str]:
    """Logical id → ARN of every function of the stack, as the endpoint's Lambda reports it."""
    return {
        r.logical_id: lam.get_function(FunctionName=r.physical_id)["Configuration"]["FunctionArn"]
        for r in resources if r.type == "AWS::Lambda::Function" and r.physical_id
    }


def check_definitions(sam_template: Mapping[str, Any], resources: list[StackResource], sfn: Any, lam: Any) -> dict[str, list[str]]:
    """Per state machine: what is wrong with its deployed definition (an empty list: nothing).

    Every ``${...}`` placeholder must be gone, and each ``DefinitionSubstitutions`` value (a
    function's ``Arn`` or a state machine's ``Ref``) must appear as the deployed resource's ARN.
    """
    physical = {r.logical_id: r.physical_id for r in resources}
    function_arns = _function_arns(lam, resources)
    problems: dict[str, list[str]] = {}
    for logical, resource in sorted(sam_template.get("Resources", {}).items()):
        if resource.get("Type") != "AWS::Serverless::StateMachine":
            continue
        found = problems[logical] = []
        if not physical.get(logical):
            found.append("not in the stack")
            continue
        definition = sfn.describe_state_machine(stateMachineArn=physical[logical])["definition"]
        found += [f"{p} is not substituted" for p in sorted(set(_PLACEHOLDER.findall(definition)))]
        for key, value in sorted(resource["Properties"].get("DefinitionSubstitutions", {}).items()):
            target = value["Fn::GetAtt"][0] if "Fn::GetAtt" in value else value.get("Ref", "")
            arn = function_arns.get(target) if "Fn::GetAtt" in value else physical.get(target)
            if not arn:
                found.append(f"{key}: {target} was not created")
            elif arn not in definition:
                found.append(f"{key}: the definition lacks {target}'s ARN {arn}")
    return problems


def _deploy_build(endpoint: _Endpoint, build_dir: Path, stack_name: str, parameters: Mapping[str, str],
                  progress: Progress, seconds: dict[str, float]) -> RehearsalResult:
    built = build_dir / "template.yaml"
    try:
        sam_template = yaml.safe_load(built.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise DeployError(f"cannot read the built template {built}: {exc}", hint="run `sam build` (or leave out --build-dir)") from None
    started = time.monotonic()
    endpoint.ensure_bucket(ARTIFACT_BUCKET)
    packaged = package_template(sam_template, build_dir, partial(endpoint.upload, ARTIFACT_BUCKET), prefix=f"{stack_name}/")
    seconds["package"] = time.monotonic() - started
    progress(f"packaged code and definitions into s3://{ARTIFACT_BUCKET}/{stack_name}/")
    started = time.monotonic()
    values = {k: v for k, v in parameters.items() if k in sam_template.get("Parameters", {})}
    template, dropped = adapt_for_moto(apply_conditions(translate(packaged, values, endpoint.region), values))
    seconds["translate"] = time.monotonic() - started
    for d in dropped:
        progress(f"note: skipping {d.logical_id} ({d.type}): {d.reason}")
    body = json.dumps(template, sort_keys=True).encode()
    key = f"{stack_name}/template-{hashlib.sha256(body).hexdigest()[:16]}.json"
    endpoint.upload(ARTIFACT_BUCKET, key, body)
    started = time.monotonic()
    cfn = endpoint.client("cloudformation")
    progress(f"creating stack {stack_name} ({len(template['Resources'])} resources)")
    _create_stack(cfn, stack_name, endpoint.template_url(ARTIFACT_BUCKET, key), values)
    try:
        status, reason = _wait(cfn, stack_name)
        resources = _resources(cfn, stack_name)
    except _API_ERRORS as exc:
        raise DeployError(f"cannot read back stack {stack_name}: {_message(exc)}") from None
    seconds["stack"] = time.monotonic() - started
    result = RehearsalResult(stack_name, status, reason, resources, dropped, seconds=seconds)
    if status == "CREATE_COMPLETE":
        started = time.monotonic()
        try:
            result.definition_problems = check_definitions(sam_template, resources, endpoint.client("stepfunctions"), endpoint.client("lambda"))
        except _API_ERRORS as exc:
            raise DeployError(f"cannot read back the state machines: {_message(exc)}") from None
        seconds["check"] = time.monotonic() - started
    return result


def rehearse(project_root: Path, endpoint_url: str, *, stack_name: str = DEFAULT_STACK, stage: str = "dev",
             region: str = "us-east-1", build_dir: Path | None = None, sam: Path | None = None,
             parameters: Mapping[str, str] | None = None, progress: Progress = lambda message: None) -> RehearsalResult:
    """Build (unless ``build_dir`` holds a build), package, translate and create the stack at the endpoint.

    ``parameters`` are template parameter values (e.g. ``{"ApiAuth": "API_KEY"}``) besides ``Stage``;
    those the template does not declare are ignored.

    Raises :class:`DeployError` when the endpoint is unreachable, the build fails or the stack
    cannot be created; a stack that ends in another status than CREATE_COMPLETE is in the result.
    """
    endpoint = _Endpoint(endpoint_url, region)
    endpoint.check()
    parameters = {**(parameters or {}), "Stage": stage}
    seconds: dict[str, float] = {}
    if build_dir is not None:
        return _deploy_build(endpoint, build_dir, stack_name, parameters, progress, seconds)
    sam = sam or find_sam(project_root)
    if sam is None:
        raise DeployError("the SAM CLI is not installed", hint="run `make tools` (installs it into .tools/sam/), or pass --build-dir")
    with tempfile.TemporaryDirectory(prefix="flowctl-build-") as tmp:
        progress(f"sam build --parallel ({sam})")
        started = time.monotonic()
        sam_build(project_root, Path(tmp), sam=sam, python_dir=find_python_dir())
        seconds["build"] = time.monotonic() - started
        return _deploy_build(endpoint, Path(tmp), stack_name, parameters, progress, seconds)
