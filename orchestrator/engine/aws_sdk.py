"""AWS service integrations through boto3: ``aws-sdk:*`` calls and the optimised integrations.

Contract
--------
:class:`AwsServices` takes an injected ``boto3_session`` (or a ``client_factory(service) ->
client``) and an optional ``endpoint_url`` (moto, LocalStack); clients are created lazily, on
first use, never at import. :meth:`AwsServices.call(resource, parameters)` maps the call as
Step Functions does:

* ``aws-sdk:SERVICE:ApiName`` → ``client(SERVICE').api_name(**parameters)`` (PascalCase
  parameters are boto3's own); the response without ``ResponseMetadata``; datetimes as ISO
  strings, bytes/streams as text.
* optimised integrations (``dynamodb:putItem``, ``sqs:sendMessage``, ``sns:publish``,
  ``events:putEvents``, ``states:startExecution[.sync[:2]]``, ``lambda:invoke``): object
  ``MessageBody``/``Message``/``Detail``/``Input`` values are sent as JSON text, and the results
  have AWS's shapes.

Service errors become ``StatesError``: ``<Service>.<ErrorCode>`` (``DynamoDb.ConditionalCheckFailedException``
for aws-sdk, ``DynamoDB.…`` for the optimised integration) with a cause that carries the
message, status code and request id.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from orchestrator.engine.errors import StatesError
from orchestrator.engine.resources import Resource

__all__ = ["AwsServices", "http_metadata"]

_BOTO_SERVICE = {
    "sfn": "stepfunctions",
    "states": "stepfunctions",
    "eventbridge": "events",
    "cloudwatchlogs": "logs",
    "elasticloadbalancingv2": "elbv2",
    "elasticmapreduce": "emr",
    "glue-databrew": "databrew",
    "emr-serverless": "emr-serverless",
}
_SDK_ERROR_PREFIX = {
    "dynamodb": "DynamoDb",
    "s3": "S3",
    "sqs": "Sqs",
    "sns": "Sns",
    "sfn": "Sfn",
    "lambda": "Lambda",
    "eventbridge": "EventBridge",
    "secretsmanager": "SecretsManager",
    "ssm": "Ssm",
    "kms": "Kms",
    "iam": "Iam",
    "ec2": "Ec2",
    "ecs": "Ecs",
    "sts": "Sts",
    "cloudwatch": "CloudWatch",
    "cloudwatchlogs": "CloudWatchLogs",
    "apigateway": "ApiGateway",
    "kinesis": "Kinesis",
    "firehose": "Firehose",
    "athena": "Athena",
    "glue": "Glue",
}
_OPTIMIZED_ERROR_PREFIX = {
    "dynamodb": ("DynamoDB", "AmazonDynamoDBv2"),
    "sqs": ("SQS", "AmazonSQS"),
    "sns": ("SNS", "AmazonSNS"),
    "events": ("EventBridge", "AmazonEventBridge"),
    "states": ("StepFunctions", "AWSStepFunctions"),
    "lambda": ("Lambda", "AWSLambda"),
}


def http_metadata(request_id: str) -> dict[str, Any]:
    """The ``SdkHttpMetadata``/``SdkResponseMetadata`` pair of optimised integration results."""
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": {"Content-Type": ["application/json"], "x-amzn-RequestId": [request_id]},
            "HttpHeaders": {"Content-Type": "application/json", "x-amzn-RequestId": request_id},
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }


def _xform(api: str) -> str:
    from botocore import xform_name

    return str(xform_name(api))


def _plain(value: Any) -> Any:
    """boto3 response values → JSON values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        text = value.isoformat()
        return text.replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "read"):
        return _plain(value.read())
    if hasattr(value, "__float__") and not isinstance(value, int | float | bool):
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def _json_text(value: Any) -> Any:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


class AwsServices:
    """boto3-backed service calls (clients created lazily, once per service)."""

    def __init__(
        self,
        boto3_session: Any = None,
        endpoint_url: str | None = None,
        client_factory: Callable[[str], Any] | None = None,
        region: str | None = None,
    ) -> None:
        self.session = boto3_session
        self.endpoint_url = endpoint_url
        self.factory = client_factory
        self.region = region
        self._clients: dict[str, Any] = {}

    @property
    def configured(self) -> bool:
        return self.session is not None or self.endpoint_url is not None or self.factory is not None

    def client(self, service: str) -> Any:
        """The boto3 client of ``service``; SDK failures to create it are ``States.Runtime`` errors."""
        from botocore.exceptions import BotoCoreError

        try:
            return self._client(service)
        except BotoCoreError as exc:
            detail = str(exc).split(". Valid service names", 1)[0]  # not the list of every service
            raise StatesError("States.Runtime", f"The service '{service}' is not available: {detail}") from None

    def _client(self, service: str) -> Any:
        name = _BOTO_SERVICE.get(service, service)
        client = self._clients.get(name)
        if client is None:
            if self.factory is not None:
                client = self.factory(name)
            else:
                kwargs: dict[str, Any] = {}
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                if self.region:
                    kwargs["region_name"] = self.region
                if self.session is not None:
                    client = self.session.client(name, **kwargs)
                else:
                    import boto3

                    client = boto3.client(name, **kwargs)
            self._clients[name] = client
        return client

    def _invoke(self, resource: Resource, service: str, api: str, params: dict[str, Any]) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

        try:
            method = getattr(self.client(service), _xform(api))
        except AttributeError:
            raise StatesError(
                "States.Runtime", f"The API '{api}' of service '{service}' is not supported by the SDK"
            ) from None
        try:
            return method(**params)
        except ClientError as exc:
            raise self._service_error(resource, exc) from exc
        except ParamValidationError as exc:
            raise StatesError("States.TaskFailed", str(exc)) from exc
        except BotoCoreError as exc:  # no endpoint, no credentials, connection errors after retries
            raise StatesError("States.TaskFailed", f"{type(exc).__name__}: {exc}") from exc

    def _service_error(self, resource: Resource, exc: Any) -> StatesError:
        err = exc.response.get("Error", {})
        code = err.get("Code", "Exception")
        message = err.get("Message", str(exc))
        meta = exc.response.get("ResponseMetadata", {})
        status = meta.get("HTTPStatusCode", 400)
        request_id = meta.get("RequestId", "")
        if resource.kind == "sdk":
            prefix = _SDK_ERROR_PREFIX.get(resource.service, resource.service[:1].upper() + resource.service[1:])
            cause = f"{message} (Service: {prefix}, Status Code: {status}, Request ID: {request_id})"
            return StatesError(f"{prefix}.{code}", cause)
        prefix, service_id = _OPTIMIZED_ERROR_PREFIX.get(
            resource.service, (resource.service.capitalize(), resource.service)
        )
        cause = (
            f"{message} (Service: {service_id}; Status Code: {status}; Error Code: {code}; "
            f"Request ID: {request_id}; Proxy: null)"
        )
        return StatesError(f"{prefix}.{code}", cause)

    def call(self, resource: Resource, parameters: Any) -> Any:
        params = dict(parameters) if isinstance(parameters, dict) else {}
        if resource.kind == "sdk":
            return _plain(self._invoke(resource, resource.service, resource.api, params))
        service, api = resource.service, resource.api
        if service == "sqs" and api == "sendMessage" and "MessageBody" in params:
            params["MessageBody"] = _json_text(params["MessageBody"])
        elif service == "sns" and api == "publish" and "Message" in params:
            params["Message"] = _json_text(params["Message"])
        elif service == "events" and api == "putEvents":
            params["Entries"] = [
                {**e, "Detail": _json_text(e["Detail"])} if isinstance(e, dict) and "Detail" in e else e
                for e in params.get("Entries", [])
            ]
        elif service == "states" and api == "startExecution" and "Input" in params:
            params["Input"] = _json_text(params["Input"])
        response = self._invoke(resource, service, api, params)
        request_id = response.get("ResponseMetadata", {}).get("RequestId", "")
        result = _plain(response)
        if service == "states" and api == "startExecution" and resource.pattern.startswith("sync"):
            return self._wait_execution(resource, result["ExecutionArn"])
        if service in ("dynamodb", "sqs", "sns"):
            result.update(http_metadata(request_id))
        return result

    def _wait_execution(self, resource: Resource, arn: str) -> Any:
        client = self.client("states")
        while True:
            described = _plain(client.describe_execution(executionArn=arn))
            status = described.get("status")
            if status == "RUNNING":
                time.sleep(0.05)
                continue
            if status != "SUCCEEDED":
                error = described.get("error") or f"States.{status}"
                raise StatesError(error, described.get("cause"))
            if resource.pattern == "sync:2" and isinstance(described.get("output"), str):
                described["output"] = json.loads(described["output"])
            return {k[:1].upper() + k[1:]: v for k, v in described.items()}
