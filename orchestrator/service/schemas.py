"""Request and response bodies of the platform (pydantic; they shape the OpenAPI document).

The event shape is shared by ``POST /events``, the event_router's direct invocation, and
EventBridge custom events (``detail-type`` = ``event``, ``detail`` = ``{"key", "data"}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orchestrator.errors import Problem
from orchestrator.service.errors import InvalidRequestError

__all__ = [
    "ErrorBody",
    "EventPublish",
    "ProblemBody",
    "WaitRequest",
    "event_from_eventbridge",
    "parse_model",
]

M = TypeVar("M", bound=BaseModel)
EVENT_NAME = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$"


class EventPublish(BaseModel):
    """An external event: ``{"event": "payment.received", "key": "order-42", "data": {...}}``."""

    model_config = ConfigDict(extra="forbid")

    event: str = Field(pattern=EVENT_NAME, description="Event name, e.g. 'payment.received'.")
    key: str = Field(min_length=1, max_length=512, description="Correlation key, e.g. 'order-42'.")
    data: Any = Field(None, description="Payload delivered to the waiting node as its output.")


class WaitRequest(BaseModel):
    """The waiter function's payload (a ``.waitForTaskToken`` task)."""

    token: str = Field(min_length=1)
    event: str = Field(pattern=EVENT_NAME)
    key: str = Field(min_length=1, max_length=512)
    timeout: int = Field(86400, ge=1, le=31536000)
    context: dict[str, Any] = Field(default_factory=dict)


class ProblemBody(BaseModel):
    where: str
    message: str
    hint: str = ""


class ErrorBody(BaseModel):
    """Every 4xx/5xx body: a message and each problem with where it is and what to do."""

    message: str
    problems: list[ProblemBody] = Field(default_factory=list)


def parse_model(model: type[M], data: Any, message: str) -> M:
    """``model`` validated from ``data``, or :class:`InvalidRequestError` listing each problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem("/" + "/".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()
        ]
        raise InvalidRequestError(message, problems=problems) from exc


def event_from_eventbridge(event: Mapping[str, Any]) -> tuple[EventPublish, str | None]:
    """The publish shape of an EventBridge custom event (or of a direct invocation), and the
    EventBridge event id when there is one."""
    if "detail-type" not in event:
        return parse_model(EventPublish, dict(event), "invalid event"), None
    detail = event.get("detail")
    detail = detail if isinstance(detail, Mapping) else {}
    shaped = {
        "event": event.get("detail-type"),
        "key": detail.get("key"),
        "data": detail.get("data"),
    }
    return parse_model(EventPublish, shaped, "invalid event"), event.get("id")
