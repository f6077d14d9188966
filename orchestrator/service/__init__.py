"""The platform's business logic behind the thin handlers in ``functions/``.

:class:`Platform` wires a run store, Step Functions / EventBridge clients and the flow catalog
into :class:`RunService` (start, get, list, cancel, redrive), :class:`EventService` (waiter and
event router) and the tracker (:func:`track_execution_event`).
"""

from __future__ import annotations

from orchestrator.service.catalog import FlowCatalog, describe_flow
from orchestrator.service.config import ConfigurationError, PlatformConfig
from orchestrator.service.errors import (
    ConflictError,
    FlowNotDeployedError,
    FlowNotFoundError,
    IdempotencyConflictError,
    InvalidRequestError,
    NotFoundError,
    RunNotActiveError,
    RunNotFoundError,
    RunNotRedrivableError,
    ServiceError,
)
from orchestrator.service.events import (
    EventService,
    PublishResult,
    StepFunctionsResumer,
    TaskResumer,
    WaitResult,
)
from orchestrator.service.http import (
    body_problem,
    body_refusal,
    error_body,
    error_response,
    error_status,
    validation_problems,
)
from orchestrator.service.platform import LazyPlatform, Platform
from orchestrator.service.runs import RunService, StartedRun, execution_arn_for
from orchestrator.service.schemas import EventPublish, WaitRequest, event_from_eventbridge
from orchestrator.service.tracker import TrackResult, UnsupportedEventError, track_execution_event

__all__ = [
    "ConfigurationError",
    "ConflictError",
    "EventPublish",
    "EventService",
    "FlowCatalog",
    "FlowNotDeployedError",
    "FlowNotFoundError",
    "IdempotencyConflictError",
    "InvalidRequestError",
    "LazyPlatform",
    "NotFoundError",
    "Platform",
    "PlatformConfig",
    "PublishResult",
    "RunNotActiveError",
    "RunNotFoundError",
    "RunNotRedrivableError",
    "RunService",
    "ServiceError",
    "StartedRun",
    "StepFunctionsResumer",
    "TaskResumer",
    "TrackResult",
    "UnsupportedEventError",
    "WaitRequest",
    "WaitResult",
    "body_problem",
    "body_refusal",
    "describe_flow",
    "error_body",
    "error_response",
    "error_status",
    "event_from_eventbridge",
    "execution_arn_for",
    "track_execution_event",
    "validation_problems",
]
