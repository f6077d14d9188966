"""Task: calls a resource (Lambda, an AWS service, a mock) with Retry/Catch, timeouts,
heartbeats and ``.waitForTaskToken`` callbacks.

Events per attempt, as AWS writes them: ``LambdaFunctionScheduled/Started/Succeeded|Failed|
TimedOut`` for a Lambda function ARN, otherwise ``TaskScheduled``, ``TaskStarted``,
(``TaskSubmitted`` for callbacks), ``TaskSucceeded|TaskFailed|TaskTimedOut``. Parameters /
Arguments are evaluated per attempt (``$$.State.RetryCount``, ``$$.Task.Token`` are visible).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from orchestrator.engine.errors import AslDefinitionError, StatesError
from orchestrator.engine.execution import Strand
from orchestrator.engine.jsonvalue import to_json
from orchestrator.engine.payload_templates import (
    compile_jsonata_value,
    compile_payload,
    unexpected_type,
)
from orchestrator.engine.resources import parse_resource
from orchestrator.engine.scope import Env
from orchestrator.engine.states.base import BuildContext, State
from orchestrator.engine.states.fields import compile_limit_field
from orchestrator.engine.strands import Suspension, drive
from orchestrator.engine.task_runner import HandlerCall, TaskCall

__all__ = ["TaskState"]

_MAX_SECONDS = 99999999


class TaskState(State):
    type = "Task"
    retry_catch = True
    suspends = True
    fields = frozenset(
        {
            "Next", "End", "Resource", "Parameters", "Arguments", "ResultSelector", "ResultPath",
            "InputPath", "OutputPath", "Output", "TimeoutSeconds", "TimeoutSecondsPath",
            "HeartbeatSeconds", "HeartbeatSecondsPath", "Retry", "Catch", "Assign", "Credentials",
        }
    )

    def __init__(self, name: str, spec: dict[str, Any], where: str, ctx: BuildContext) -> None:
        super().__init__(name, spec, where, ctx)
        self.resource = parse_resource(spec.get("Resource"), f"{where}/Resource")
        if ctx.machine_type == "EXPRESS" and self.resource.pattern:
            kind = ".sync" if self.resource.pattern.startswith("sync") else ".waitForTaskToken"
            sep = "" if kind == ".sync" else " "
            raise AslDefinitionError(
                f"Express state machine does not support '{kind}' service integration{sep}", f"{where}/Resource"
            )
        if "Credentials" in spec:
            creds = spec["Credentials"]
            if not isinstance(creds, dict) or not ({"RoleArn", "RoleArn.$"} & set(creds)):
                raise AslDefinitionError("The field 'RoleArn' is required but was missing", f"{where}/Credentials")
        self.parameters = compile_payload(spec["Parameters"], f"{where}/Parameters") if "Parameters" in spec else None
        self.arguments = (
            compile_jsonata_value(spec["Arguments"], f"{where}/Arguments", "Arguments") if "Arguments" in spec else None
        )
        self.timeout = self._seconds_field("TimeoutSeconds")
        self.heartbeat = self._seconds_field("HeartbeatSeconds")
        if (
            self.timeout and self.heartbeat and self.timeout[0] == "const" == self.heartbeat[0]
            and self.heartbeat[1] >= self.timeout[1]
        ):
            raise AslDefinitionError(
                "'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'", f"{where}/HeartbeatSeconds"
            )
        r = self.resource
        if r.kind == "function":
            self.events = ("LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded",
                           "LambdaFunctionFailed", "LambdaFunctionTimedOut")
            self.resource_type = "lambda"
            self.resource_name = r.arn
        else:
            self.events = ("TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskFailed", "TaskTimedOut")
            self.resource_type = f"aws-sdk:{r.service}" if r.kind == "sdk" else r.service
            self.resource_name = r.api + (f".{r.pattern}" if r.pattern else "")

    def _seconds_field(self, key: str) -> tuple[str, Any] | None:
        def check(value: Any) -> None:
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= _MAX_SECONDS:
                raise AslDefinitionError(f"'{key}' must be a positive integer", f"{self.where}/{key}")

        return compile_limit_field(self.spec, key, self.where, self.jsonata, check)

    def _resolve_seconds(self, key: str, field: tuple[str, Any] | None, env: Env) -> float | None:
        if field is None:
            return None
        kind, value = field
        if kind == "const":
            return float(value)
        raw = value(env)
        if kind == "jsonata" and (isinstance(raw, bool) or not isinstance(raw, int | float) or raw != int(raw)):
            raise unexpected_type(self.spec[key], key, "integer", raw)
        if isinstance(raw, bool) or not isinstance(raw, int | float) or raw != int(raw) or raw < 1:
            error = "States.Runtime" if kind == "path" else "States.QueryEvaluationError"
            name = f"{key}Path" if kind == "path" else key
            raise StatesError(error, f"The {name} field refers to value {to_json(raw)} which is not a valid positive integer")
        return float(raw)

    def attempt(self, strand: Strand, env: Env, effective: Any, entered_at: float, retries: int) -> Any:
        return drive(self.attempt_strand(strand, env, effective, entered_at, retries))

    def attempt_strand(self, strand: Strand, env: Env, effective: Any, entered_at: float,
                       retries: int) -> Generator[Suspension, Any, Any]:
        runner = strand.ex.runner
        waiter = runner.tokens.register() if self.resource.callback else None
        extra = {"Task": {"Token": waiter.token}} if waiter is not None else None
        attempt_env = Env(env.input, env.variables, lambda: strand.context(self.name, entered_at, retries, extra))
        try:
            return (yield from self._attempt(strand, attempt_env, effective, retries, waiter))
        finally:
            if waiter is not None:
                runner.tokens.release(waiter.token)

    def _attempt(self, strand: Strand, env: Env, effective: Any, retries: int,
                 waiter: Any) -> Generator[Suspension, Any, Any]:
        if self.jsonata:
            payload = self.arguments(env) if self.arguments is not None else env.input
            timeout_env = env
        else:
            inner = env.with_input(effective)
            payload = self.parameters(inner) if self.parameters is not None else effective
            timeout_env = inner
        timeout = self._resolve_seconds("TimeoutSeconds", self.timeout, timeout_env)
        heartbeat = self._resolve_seconds("HeartbeatSeconds", self.heartbeat, timeout_env)
        scheduled, started, succeeded, failed, timed_out = self.events
        lambda_events = scheduled == "LambdaFunctionScheduled"
        if lambda_events:
            details: dict[str, Any] = {
                "resource": self.resource_name,
                "input": to_json(payload),
                "inputDetails": {"truncated": False},
            }
            if timeout is not None:
                details["timeoutInSeconds"] = int(timeout)
            strand.event(scheduled, details, payload)
            strand.event(started)
        else:
            details = {
                "resourceType": self.resource_type,
                "resource": self.resource_name,
                "region": strand.ex.runner.region,
                "parameters": to_json(payload),
            }
            if timeout is not None:
                details["timeoutInSeconds"] = int(timeout)
            if heartbeat is not None:
                details["heartbeatInSeconds"] = int(heartbeat)
            strand.event(scheduled, details, payload)
            strand.event(started, {"resourceType": self.resource_type, "resource": self.resource_name})
        ident = {} if lambda_events else {"resourceType": self.resource_type, "resource": self.resource_name}
        runner = strand.ex.runner
        call = TaskCall(self.name, self.resource, payload, retries, timeout, waiter.token if waiter else None,
                        strand.map_index)
        start = strand.timeline.now()
        try:
            mock = runner.mock(call)
            if mock is not None:
                result = runner.mocked_result(call, mock, strand.timeline)
            else:
                result = runner.call(call, strand.timeline)
                if type(result) is HandlerCall:  # a local handler: whoever drives the strand runs it
                    result = yield result
                if waiter is not None:
                    strand.event("TaskSubmitted", {**ident, "output": to_json(result), "outputDetails": {"truncated": False}})
                    left = None if timeout is None else max(timeout - (strand.timeline.now() - start), 0.0)
                    result = waiter.wait(strand.timeline, left, heartbeat)
        except StatesError as err:
            if err.error in ("States.Timeout", "States.HeartbeatTimeout"):
                strand.event(timed_out, {**ident, "error": err.error, "cause": err.cause or ""})
            else:
                fail_details = dict(ident)
                if err.error is not None:
                    fail_details["error"] = err.error
                if err.cause is not None:
                    fail_details["cause"] = err.cause
                strand.event(failed, fail_details)
            raise
        strand.event(succeeded, {**ident, "output": to_json(result), "outputDetails": {"truncated": False}})
        return result

