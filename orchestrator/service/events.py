"""External events and ``wait_for`` nodes: the waiter and event_router logic.

Protocol (race-free with conditional deletes in the store):

- **wait** (waiter function): register the task token under ``(event, key)``; then, if an event
  is buffered, consume it *together with* the waiter (one atomic delete) and resume at once.
- **publish** (event_router, ``POST /events``): take every live waiter of ``(event, key)``
  (each deleted with a condition, so two routers never resume one waiter twice) and resume
  each with the event data. When no live waiter was resumed, buffer the event (TTL, default
  24 h) and look once more for a waiter that registered meanwhile; the atomic pair delete
  decides who delivers, so the event is never lost between the two and never delivered twice.
- A stale token (``TaskTimedOut``, ``InvalidToken``, ``TaskDoesNotExist`` from SendTaskSuccess)
  is dropped and logged, not raised.

Resuming goes through a :class:`TaskResumer`; :class:`StepFunctionsResumer` wraps a boto3
``stepfunctions`` client (SendTaskSuccess with the event data as output).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.exceptions import ClientError

from orchestrator.constants import DEFAULT_EVENT_TTL_SECONDS, WAITER_TTL_GRACE_SECONDS
from orchestrator.store.base import RunStore
from orchestrator.store.items import encode_json
from orchestrator.store.models import BufferedEvent, Waiter

__all__ = [
    "STALE_TOKEN_ERRORS",
    "EventService",
    "PublishResult",
    "StepFunctionsResumer",
    "TaskResumer",
    "WaitResult",
]

STALE_TOKEN_ERRORS = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})
_log = logging.getLogger(__name__)


class TaskResumer(Protocol):
    def resume(self, token: str, output: Any) -> bool:
        """Complete the task of ``token`` with ``output``; False when the token is stale."""
        ...


class StepFunctionsResumer:
    """SendTaskSuccess through an injected boto3 ``stepfunctions`` client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def resume(self, token: str, output: Any) -> bool:
        try:
            self.client.send_task_success(taskToken=token, output=encode_json(output))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in STALE_TOKEN_ERRORS:
                _log.warning("dropping a stale task token: %s", exc)
                return False
            raise
        return True


@dataclass(frozen=True)
class WaitResult:
    """``resumed``: a buffered event was delivered at once (its data in ``data``)."""

    waiter: Waiter
    resumed: bool
    data: Any = None


@dataclass(frozen=True)
class PublishResult:
    """Runs resumed by an event, stale waiters dropped, and whether it was buffered."""

    resumed: list[Waiter] = field(default_factory=list)
    stale: list[Waiter] = field(default_factory=list)
    buffered: BufferedEvent | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "resumed": [{"run_id": w.run_id, "node": w.node} for w in self.resumed],
            "dropped_stale": len(self.stale),
            "buffered": self.buffered is not None,
            "expires_at": self.buffered.expires_at if self.buffered else None,
        }


class EventService:
    """Waits and publications over a run store and a task resumer."""

    def __init__(
        self,
        store: RunStore,
        resumer: TaskResumer,
        *,
        event_ttl_seconds: int = DEFAULT_EVENT_TTL_SECONDS,
    ) -> None:
        self.store = store
        self.resumer = resumer
        self.event_ttl_seconds = event_ttl_seconds

    def wait(
        self, event: str, key: str, *, token: str, run_id: str, node: str, timeout: int
    ) -> WaitResult:
        """Register a waiter; deliver a buffered event at once if one is there."""
        waiter = self.store.register_waiter(
            event,
            key,
            run_id=run_id,
            node=node,
            token=token,
            expires_in=int(timeout) + WAITER_TTL_GRACE_SECONDS,
        )
        buffered = self.store.claim_buffered_event(waiter)
        if buffered is None:
            return WaitResult(waiter, resumed=False)
        if self.resumer.resume(token, buffered.data):
            return WaitResult(waiter, resumed=True, data=buffered.data)
        # The token died before its event arrived: keep the event for the next waiter.
        self.store.buffer_event(event, key, buffered.data, ttl_seconds=self.event_ttl_seconds)
        return WaitResult(waiter, resumed=False)

    def publish(
        self, event: str, key: str, data: Any = None, *, event_id: str | None = None
    ) -> PublishResult:
        """Resume every waiter of ``(event, key)`` exactly once, or buffer the event."""
        resumed: list[Waiter] = []
        stale: list[Waiter] = []
        for waiter in self.store.take_waiters(event, key):
            (resumed if self.resumer.resume(waiter.token, data) else stale).append(waiter)
        if resumed:
            return PublishResult(resumed, stale)
        buffered = self.store.buffer_event(
            event, key, data, ttl_seconds=self.event_ttl_seconds, event_id=event_id
        )
        while True:
            claimed = self.store.claim_waiter(buffered)
            if claimed is None:
                # No waiter; or a waiter registering meanwhile consumed the event itself.
                gone = not any(
                    e.event_id == buffered.event_id
                    for e in self.store.list_buffered_events(event, key)
                )
                return PublishResult(resumed, stale, None if gone else buffered)
            if self.resumer.resume(claimed.token, data):
                return PublishResult([claimed], stale)
            stale.append(claimed)
            buffered = self.store.buffer_event(event, key, data, ttl_seconds=self.event_ttl_seconds)
