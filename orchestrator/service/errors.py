"""Errors of the platform services (API, tracker, waiter, event router).

Every error carries a :class:`~orchestrator.errors.Problem` list saying where and what to do;
:mod:`orchestrator.service.http` maps each class to an HTTP status.
"""

from __future__ import annotations

from orchestrator.errors import FlowctlError, Problem

__all__ = [
    "ConfigurationError",
    "ConflictError",
    "EventPublishError",
    "ExpressRunError",
    "FlowNotDeployedError",
    "FlowNotFoundError",
    "IdempotencyConflictError",
    "InvalidRequestError",
    "NotFoundError",
    "PayloadTooLargeError",
    "StartRunError",
    "StepFunctionsUnavailableError",
    "RunNotActiveError",
    "RunNotFoundError",
    "RunNotRedrivableError",
    "ServiceError",
    "UnsupportedEventError",
]


class ServiceError(FlowctlError):
    """Base class of platform service errors."""


class ConfigurationError(ServiceError):
    """The function's environment is wrong (a deployment problem, not a caller's: HTTP 500)."""


class UnsupportedEventError(ServiceError):
    """The event is not a Step Functions execution status change (the tracker ignores it)."""


class InvalidRequestError(ServiceError):
    """The request is malformed (bad header, bad body)."""


class NotFoundError(ServiceError):
    """The flow or run does not exist."""


def _short(text: str, size: int = 100) -> str:
    """An id as echoed in messages: at most ``size`` characters."""
    return text if len(text) <= size else text[:size] + "…"


class PayloadTooLargeError(ServiceError):
    """A request body or event data over what flowctl can store or forward (HTTP 413)."""

    def __init__(self, where: str, size: int, limit: int, hint: str) -> None:
        super().__init__(
            f"{where} has {size} bytes; the limit is {limit}",
            problems=[Problem(where, f"{size} bytes is over the limit of {limit} bytes", hint)],
        )


class StartRunError(ServiceError):
    """Step Functions refused to start the execution; the run is recorded FAILED with the cause."""

    def __init__(self, run_id: str, code: str, message: str, status: int) -> None:
        super().__init__(
            f"run {run_id!r} could not start: {code}: {message}",
            problems=[Problem("/body" if status < 500 else "", f"{code}: {message}", "the run is FAILED; fix the cause and start a new run")],
        )
        self.status = status


class StepFunctionsUnavailableError(ServiceError):
    """A Step Functions call failed for a reason that is not the caller's (HTTP 503: retry)."""

    def __init__(self, action: str, code: str, message: str) -> None:
        super().__init__(
            f"{action} failed: {code}: {message}",
            problems=[Problem("", f"Step Functions answered {code}: {message}", "retry later; the run is unchanged")],
        )


class EventPublishError(ServiceError):
    """EventBridge did not take an event (PutEvents reported a failed entry; HTTP 503: retry)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(
            f"PutEvents failed: {code}: {message}",
            problems=[Problem("/events", f"EventBridge answered {code}: {message}", "retry later; nothing was published")],
            code=code,
        )


class FlowNotFoundError(NotFoundError):
    def __init__(self, flow: str, known: list[str]) -> None:
        hint = f"known flows: {', '.join(known)}" if known else "no flow is deployed"
        super().__init__(
            f"unknown flow {_short(flow)!r}", problems=[Problem(f"/flows/{_short(flow)}", "no such flow", hint)]
        )
        self.flow = flow


class RunNotFoundError(NotFoundError):
    def __init__(self, run_id: str) -> None:
        super().__init__(
            f"unknown run {_short(run_id)!r}",
            problems=[Problem(f"/runs/{_short(run_id)}", "no such run", "list runs with GET /flows/{flow}/runs")],
        )
        self.run_id = run_id


class ConflictError(ServiceError):
    """The request contradicts the current state (HTTP 409)."""


class IdempotencyConflictError(ConflictError):
    def __init__(self, key: str, why: str) -> None:
        super().__init__(
            f"idempotency key {key!r} was used for another request: {why}",
            problems=[Problem("/headers/Idempotency-Key", why, "use a new key for a different request")],
        )


class RunNotActiveError(ConflictError):
    def __init__(self, run_id: str, status: str) -> None:
        super().__init__(
            f"run {run_id!r} is {status}",
            problems=[
                Problem(
                    f"/runs/{run_id}",
                    f"the run is already {status}",
                    "only running runs can be cancelled",
                )
            ],
        )


class RunNotRedrivableError(ConflictError):
    def __init__(self, run_id: str, why: str) -> None:
        super().__init__(
            f"run {run_id!r} cannot be redriven: {why}",
            problems=[
                Problem(
                    f"/runs/{run_id}",
                    why,
                    "redrive applies to FAILED, TIMED_OUT or ABORTED runs within 14 days",
                )
            ],
        )


class ExpressRunError(ConflictError):
    """Express executions cannot be stopped or redriven (AWS offers neither for them)."""

    def __init__(self, run_id: str, action: str) -> None:
        super().__init__(
            f"run {run_id!r} cannot be {action}: it is an Express execution",
            problems=[
                Problem(
                    f"/runs/{run_id}",
                    f"Step Functions cannot {'stop' if action == 'cancelled' else 'redrive'} "
                    "Express executions",
                    'set "type": "STANDARD" in the flow (and redeploy) to cancel and redrive '
                    "its runs; `flowctl compile FLOW --report` shows what each type costs",
                )
            ],
        )


class FlowNotDeployedError(ServiceError):
    def __init__(self, flow: str) -> None:
        super().__init__(
            f"flow {flow!r} has no state machine",
            problems=[
                Problem(
                    f"/flows/{flow}",
                    "no state machine ARN in FLOWCTL_STATE_MACHINES",
                    "redeploy with `flowctl deploy`",
                )
            ],
        )
