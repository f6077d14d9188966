"""The checkov findings on ``template.yaml`` that flowctl accepts on purpose, each with its reason.

checkov (``checkov -f template.yaml --framework cloudformation``) reads a resource's
``Metadata: checkov: skip: [{id, comment}]``. :func:`annotate` adds those skips to every
resource of the types below, so the template says why each finding does not apply. A finding
that is not listed here must be fixed in the template (``tests/template`` runs checkov when it
is installed). docs/security.md explains the choices and how to change them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SKIPS", "annotate"]

_FUNCTION = [
    ("CKV_AWS_116", "Invoked synchronously (Step Functions, API Gateway) or by EventBridge/CloudWatch Logs with their own retries; failures are recorded on the run, so a DLQ would hold nothing to replay."),
    ("CKV_AWS_117", "Calls only AWS public endpoints (DynamoDB, S3, Step Functions, EventBridge); a VPC needs NAT or endpoints and is the deployer's choice (add VpcConfig in Globals)."),
    ("CKV_AWS_115", "Reserved concurrency would take from the account pool and throttle foreach fan-out; concurrency is bounded per flow by MaxConcurrency."),
    ("CKV_AWS_173", "Environment variables hold only resource names and settings, no secrets; Lambda encrypts them at rest with an AWS managed key."),
]

SKIPS: Mapping[str, list[tuple[str, str]]] = {
    "AWS::Serverless::Function": _FUNCTION,
    "AWS::Lambda::Function": _FUNCTION,
    "AWS::Logs::LogGroup": [
        ("CKV_AWS_158", "CloudWatch Logs encrypts log data at rest by default; a customer managed KMS key is a cost and key-policy choice. Execution data in logs can be turned off with the ExecutionDataLogging parameter."),
    ],
    "AWS::DynamoDB::Table": [
        ("CKV_AWS_119", "Encrypted at rest with the AWS owned key (DynamoDB default); a customer managed key adds cost and a key policy the deployer owns."),
    ],
    "AWS::S3::Bucket": [
        ("CKV_AWS_18", "Holds short-lived offloaded payloads (lifecycle expiry, public access blocked, owner-enforced); access logs need a second bucket; use CloudTrail data events to audit access."),
        ("CKV_AWS_21", "Payloads are written once under unique keys and expire; versioning would only keep expired payloads longer."),
    ],
    "AWS::Serverless::Api": [
        ("CKV_AWS_76", "API Gateway access logs need the account-wide CloudWatch Logs role (AWS::ApiGateway::Account), shared by every API of the account; set it up per account, then add AccessLogSetting."),
        ("CKV_AWS_120", "Responses are run statuses that must be fresh; a cache would serve stale statuses and is billed per hour."),
    ],
}


def annotate(resources: dict[str, Any]) -> None:
    """Add the skips of :data:`SKIPS` to each resource's ``Metadata.checkov.skip`` (in place)."""
    for resource in resources.values():
        skips = SKIPS.get(resource.get("Type", ""))
        if not skips:
            continue
        metadata = resource.setdefault("Metadata", {})
        listed = metadata.setdefault("checkov", {}).setdefault("skip", [])
        known = {entry.get("id") for entry in listed}
        listed.extend({"id": check, "comment": reason} for check, reason in skips if check not in known)
