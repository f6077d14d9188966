"""Where Task states do their work: mocks, local Lambda handlers, or AWS through boto3.

Contract
--------
:meth:`TaskRunner.call(call, timeline)` performs one attempt of a Task and returns its result
(for ``.waitForTaskToken`` tasks: the result of submitting the work; the state then waits for
the token), or, for a local handler, the :class:`HandlerCall` that gives it: the task's strand
suspends on it, and whoever drives the strand runs it (:mod:`orchestrator.engine.strands`).
Resolution order: the state's mock → a local handler (``handlers`` / ``functions_dir``) for
Lambda resources → boto3 (``aws-sdk:*``, optimised integrations, and
Lambda functions that are not local when a session/endpoint is configured). Failures raise
``StatesError``; a call that outlives ``TimeoutSeconds`` raises ``States.Timeout``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from orchestrator.engine.aws_sdk import AwsServices, http_metadata
from orchestrator.engine.callbacks import TokenRegistry
from orchestrator.engine.clock import Clock, Timeline
from orchestrator.engine.errors import StatesError
from orchestrator.engine.handler_call import HandlerCall
from orchestrator.engine.lambda_local import LambdaContext, LocalFunctions
from orchestrator.engine.mocks import MockResponse, Mocks
from orchestrator.engine.resources import Resource

__all__ = ["HandlerCall", "TaskCall", "TaskRunner", "lambda_invoke_result"]


@dataclass
class TaskCall:
    """One attempt of a Task state."""

    state: str
    resource: Resource
    payload: Any
    attempt: int
    timeout: float | None
    token: str | None = None
    map_index: tuple[int, ...] = ()
    """Indices of the Map iterations the task runs in, outermost first."""


def _same(payload: Any) -> Any:
    return payload


def lambda_invoke_result(payload: Any, request_id: str | None = None) -> dict[str, Any]:
    """The result of ``arn:aws:states:::lambda:invoke`` for a function that returned ``payload``."""
    request_id = request_id or str(uuid.uuid4())
    meta = http_metadata(request_id)
    meta["SdkHttpMetadata"]["AllHttpHeaders"]["X-Amz-Executed-Version"] = ["$LATEST"]
    meta["SdkHttpMetadata"]["HttpHeaders"]["X-Amz-Executed-Version"] = "$LATEST"
    return {"ExecutedVersion": "$LATEST", "Payload": payload, **meta, "StatusCode": 200}


class TaskRunner:
    """Runs task attempts for every execution of an engine."""

    def __init__(
        self,
        *,
        clock: Clock,
        functions: LocalFunctions,
        services: AwsServices,
        mocks: Mocks,
        tokens: TokenRegistry,
        region: str,
        account: str,
    ) -> None:
        self.clock = clock
        self.functions = functions
        self.services = services
        self.mocks = mocks
        self.tokens = tokens
        self.region = region
        self.account = account

    def mock(self, call: TaskCall) -> MockResponse | None:
        return self.mocks.response(call.state, call.attempt, call.payload, call.map_index) if self.mocks else None

    def mocked_result(self, call: TaskCall, response: MockResponse, timeline: Timeline) -> Any:
        if response.delay:
            if call.timeout is not None and response.delay > call.timeout:
                timeline.sleep(call.timeout)
                raise StatesError("States.Timeout", None)
            timeline.sleep(response.delay)
        if response.kind == "error":
            raise StatesError(response.error, response.cause)
        value = json.loads(json.dumps(response.value))
        if response.kind == "payload" and call.resource.kind == "integration" and call.resource.service == "lambda":
            return lambda_invoke_result(value)
        return value

    def call(self, call: TaskCall, timeline: Timeline) -> Any:
        resource = call.resource
        if resource.is_lambda:
            return self._lambda(call, timeline)
        if resource.kind == "activity":
            raise StatesError(
                "States.Runtime",
                f"Activity '{resource.api}' has no local worker: mock the state '{call.state}'",
            )
        return self.services.call(resource, call.payload)

    # -- Lambda ------------------------------------------------------------------------------
    def _lambda(self, call: TaskCall, timeline: Timeline) -> Any:
        resource = call.resource
        event: Any
        if resource.kind == "function":
            reference = resource.function if resource.arn.startswith("${") else resource.arn
            event = call.payload
        else:
            params = call.payload if isinstance(call.payload, dict) else {}
            name = params.get("FunctionName")
            if not isinstance(name, str):
                raise StatesError("States.Runtime", "The field 'FunctionName' is required for lambda:invoke")
            reference = name
            event = params.get("Payload", {})
        resolved = self.functions.resolve(reference)
        if resolved is not None:
            name, handler = resolved
            arn = reference if reference.startswith("arn:") else (
                f"arn:aws:lambda:{self.region}:{self.account}:function:{name}"
            )
            own = self.functions.timeout(name)
            context = LambdaContext(name, arn, own if own is not None else call.timeout)
            if resource.kind == "integration":
                request_id = context.aws_request_id
                finish: Any = lambda payload: lambda_invoke_result(payload, request_id)  # noqa: E731
            else:
                finish = _same
            # Whoever drives the task's strand runs it (orchestrator.engine.strands).
            return HandlerCall(handler, event, context, call.timeout, own, timeline, self.clock.virtual, finish)
        if self.services.configured:
            payload, request_id = self._remote(reference, event)
        else:
            raise StatesError(
                "Lambda.ResourceNotFoundException",
                f"Function not found: {reference} (Service: AWSLambda; Status Code: 404; "
                f"Error Code: ResourceNotFoundException; Request ID: {uuid.uuid4()}; Proxy: null)",
            )
        if resource.kind == "integration":
            return lambda_invoke_result(payload, request_id)
        return payload

    def _remote(self, reference: str, event: Any) -> tuple[Any, str]:
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.services.client("lambda")
        try:
            response = client.invoke(FunctionName=reference, Payload=json.dumps(event).encode())
        except ClientError as exc:
            err = exc.response.get("Error", {})
            raise StatesError(f"Lambda.{err.get('Code', 'Exception')}", err.get("Message", str(exc))) from exc
        except BotoCoreError as exc:  # no endpoint, no credentials, connection errors after retries
            raise StatesError("Lambda.SdkClientException", f"{type(exc).__name__}: {exc}") from exc
        request_id = response.get("ResponseMetadata", {}).get("RequestId", "")
        raw = response["Payload"].read()
        body = json.loads(raw) if raw else None
        if response.get("FunctionError"):
            error = body.get("errorType", "Lambda.Unknown") if isinstance(body, dict) else "Lambda.Unknown"
            raise StatesError(error, raw.decode() if isinstance(raw, bytes) else str(raw))
        return body, request_id
