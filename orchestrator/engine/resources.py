"""Task ``Resource`` ARNs: parsing and validation.

Contract
--------
:func:`parse_resource` returns a :class:`Resource` or raises ``AslDefinitionError`` with AWS's
"is not recognized" text. Recognised forms:

* ``arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`` — a Lambda function;
* ``arn:aws:states:::lambda:invoke[.waitForTaskToken]`` and the other optimised integrations
  (``dynamodb:putItem``, ``sqs:sendMessage``, ``sns:publish``, ``events:putEvents``,
  ``states:startExecution[.sync|.sync:2]``, ...), with their allowed API names;
* ``arn:aws:states:::aws-sdk:SERVICE:ApiName[.waitForTaskToken]`` — any AWS SDK call;
* ``arn:aws:states:REGION:ACCOUNT:activity:NAME`` — an activity (waits for a worker);
* ``${Placeholder}`` left after DefinitionSubstitutions — a local function reference
  (``${GetImageFunctionArn}`` → ``functions/get_image``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orchestrator.engine.errors import AslDefinitionError

__all__ = ["OPTIMIZED_INTEGRATIONS", "Resource", "parse_resource"]

OPTIMIZED_INTEGRATIONS: dict[str, frozenset[str]] = {
    "lambda": frozenset({"invoke"}),
    "dynamodb": frozenset({"getItem", "putItem", "updateItem", "deleteItem"}),
    "sqs": frozenset({"sendMessage"}),
    "sns": frozenset({"publish"}),
    "events": frozenset({"putEvents"}),
    "states": frozenset({"startExecution"}),
    "ecs": frozenset({"runTask"}),
    "batch": frozenset({"submitJob"}),
    "glue": frozenset({"startJobRun"}),
    "athena": frozenset({"startQueryExecution", "stopQueryExecution", "getQueryExecution", "getQueryResults"}),
    "codebuild": frozenset({"startBuild", "stopBuild", "batchDeleteBuilds", "batchGetReports", "startBuildBatch",
                            "stopBuildBatch", "retryBuildBatch", "retryBuild", "deleteBuildBatch"}),
    "apigateway": frozenset({"invoke"}),
    "http": frozenset({"invoke"}),
    "bedrock": frozenset({"invokeModel", "createModelCustomizationJob"}),
    "eks": frozenset({"createCluster", "deleteCluster", "createFargateProfile", "deleteFargateProfile",
                      "createNodegroup", "deleteNodegroup", "runJob", "call"}),
    "elasticmapreduce": frozenset({"createCluster", "terminateCluster", "addStep", "cancelStep",
                                   "setClusterTerminationProtection", "modifyInstanceFleetByName",
                                   "modifyInstanceGroupByName"}),
    "emr-serverless": frozenset({"createApplication", "startApplication", "stopApplication",
                                 "deleteApplication", "startJobRun", "cancelJobRun"}),
    "emr-containers": frozenset({"createVirtualCluster", "deleteVirtualCluster", "startJobRun"}),
    "sagemaker": frozenset({"createEndpoint", "createEndpointConfig", "createHyperParameterTuningJob",
                            "createLabelingJob", "createModel", "createProcessingJob", "createTrainingJob",
                            "createTransformJob", "updateEndpoint"}),
    "databrew": frozenset({"startJobRun"}),
    "mediaconvert": frozenset({"createJob"}),
    "glue-databrew": frozenset({"startJobRun"}),
}

_PATTERNS = ("", "sync", "sync:2", "waitForTaskToken")
_LAMBDA_ARN = re.compile(
    r"arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?"
)
_STATES_ARN = re.compile(r"arn:(aws[a-z-]*):states:([a-z0-9-]*):(\d{12})?:(.+)")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_.:-]+)\}")


@dataclass(frozen=True)
class Resource:
    """A parsed Task resource.

    ``kind``: ``function`` (a Lambda ARN or placeholder), ``integration`` (optimised),
    ``sdk`` (``aws-sdk:*``) or ``activity``. ``service``/``api`` name the call (``dynamodb``/
    ``putItem``), ``pattern`` is ``""``, ``sync``, ``sync:2`` or ``waitForTaskToken``.
    """

    arn: str
    kind: str
    service: str = ""
    api: str = ""
    pattern: str = ""
    function: str = ""
    region: str = ""
    account: str = ""

    @property
    def callback(self) -> bool:
        return self.pattern == "waitForTaskToken"

    @property
    def is_lambda(self) -> bool:
        return self.kind == "function" or (self.kind == "integration" and self.service == "lambda")


def parse_resource(arn: object, where: str) -> Resource:
    """Parse a Task ``Resource`` (see the module docstring)."""

    def unknown() -> AslDefinitionError:
        return AslDefinitionError(
            f"The resource provided {arn} is not recognized. The value is not a valid resource ARN, "
            f"or the resource is not available in this region.",
            where,
        )

    if not isinstance(arn, str) or not arn:
        raise AslDefinitionError("These fields are required: [Resource]", where)
    m = _PLACEHOLDER.fullmatch(arn)
    if m:
        return Resource(arn, "function", function=m.group(1))
    m = _LAMBDA_ARN.fullmatch(arn)
    if m:
        return Resource(arn, "function", service="lambda", function=m.group(4), region=m.group(2), account=m.group(3))
    m = _STATES_ARN.fullmatch(arn)
    if not m:
        raise unknown()
    region, account, rest = m.group(2), m.group(3) or "", m.group(4)
    if rest.startswith("activity:"):
        return Resource(arn, "activity", service="activity", api=rest[len("activity:") :], region=region, account=account)
    if region or account:
        raise unknown()
    head, _, pattern = rest.partition(".")
    if pattern not in _PATTERNS:
        raise unknown()
    parts = head.split(":")
    if parts[0] == "aws-sdk":
        if len(parts) != 3 or not parts[1] or not parts[2] or pattern.startswith("sync"):
            raise unknown()
        return Resource(arn, "sdk", service=parts[1], api=parts[2], pattern=pattern)
    if len(parts) != 2:
        raise unknown()
    service, api = parts
    allowed = OPTIMIZED_INTEGRATIONS.get(service)
    if allowed is None or api not in allowed:
        raise unknown()
    return Resource(arn, "integration", service=service, api=api, pattern=pattern)
