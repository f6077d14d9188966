"""Wiring of the platform functions: config, store, clients and services, built lazily.

A handler keeps one :class:`Platform` per container (:class:`LazyPlatform`), built from the
environment on the first invocation; boto3 clients are created on first use and cached.
Tests inject clients or a whole platform (``LazyPlatform.override``).

Example (a handler)::

    platform = LazyPlatform(default_flows_dir=Path(__file__).parent / "flows")

    def lambda_handler(event, context):
        return [result.applied for result in platform().track(event)]
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from orchestrator.constants import FLOWCTL_PAYLOAD_BUCKET
from orchestrator.runtime.payloads import PayloadStore
from orchestrator.service.catalog import FlowCatalog, describe_flow
from orchestrator.service.config import PlatformConfig
from orchestrator.service.errors import EventPublishError, PayloadTooLargeError
from orchestrator.service.events import EventService, StepFunctionsResumer, WaitResult
from orchestrator.service.runs import RunService
from orchestrator.service.schemas import EventPublish, WaitRequest, parse_model
from orchestrator.service.tracker import (
    TrackResult,
    is_log_event,
    track_execution_event,
    track_log_events,
)
from orchestrator.store.base import RunStore
from orchestrator.store.factory import local_store_path, store_from_env
from orchestrator.store.items import encode_json
from orchestrator.store.local import LocalRunStore

__all__ = ["MAX_EVENT_DATA_BYTES", "LazyPlatform", "Platform"]

MAX_EVENT_DATA_BYTES = 200 * 1024
"""Largest event data published inline: under EventBridge's 256 KB entry (with its envelope)."""

MAX_BUFFERED_DATA_BYTES = 350 * 1024
"""Largest event data routed or buffered inline: under DynamoDB's 400 KB item (with its keys)."""


class Platform:
    """Everything the api, tracker, waiter and event_router functions call."""

    def __init__(
        self,
        config: PlatformConfig,
        *,
        store: RunStore | None = None,
        sfn: Any = None,
        events_client: Any = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.env = dict(os.environ if env is None else env)
        self._store = store
        self._sfn = sfn
        self._events_client = events_client

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        default_flows_dir: Path | str | None = None,
        **clients: Any,
    ) -> Platform:
        env = os.environ if env is None else env
        return cls(
            PlatformConfig.from_env(env, default_flows_dir=default_flows_dir), env=env, **clients
        )

    # ------------------------------------------------------------------ dependencies
    @cached_property
    def store(self) -> RunStore:
        if self._store is not None:
            return self._store
        payloads = self.payloads
        offload = payloads.ref if payloads.can_offload else None
        return store_from_env(self.env, offload=offload) or LocalRunStore(
            local_store_path(self.env), offload=offload
        )

    @cached_property
    def payloads(self) -> PayloadStore:
        return PayloadStore(bucket=self.env.get(FLOWCTL_PAYLOAD_BUCKET) or None)

    @cached_property
    def sfn(self) -> Any:
        if self._sfn is None:
            import boto3

            self._sfn = boto3.client("stepfunctions")
        return self._sfn

    @cached_property
    def events_client(self) -> Any:
        if self._events_client is None:
            import boto3

            self._events_client = boto3.client("events")
        return self._events_client

    @cached_property
    def catalog(self) -> FlowCatalog:
        return FlowCatalog(self.config.flows_dir)

    @cached_property
    def runs(self) -> RunService:
        return RunService(self.store, self.catalog, self.config.state_machines, self.sfn)

    @cached_property
    def events(self) -> EventService:
        return EventService(
            self.store,
            StepFunctionsResumer(self.sfn),
            event_ttl_seconds=self.config.event_ttl_seconds,
        )

    def set_state_machine(self, flow: str, arn: str) -> None:
        """Flow ``flow`` now runs on state machine ``arn`` (deployed or redeployed while the
        platform runs, e.g. by ``flowctl serve`` when the builder saves a flow)."""
        self.config.state_machines[flow] = arn
        if "runs" in vars(self):  # the run service, once created, keeps its own copy
            self.runs.state_machines[flow] = arn
        if "catalog" in vars(self):
            self.catalog.forget(flow)

    # ------------------------------------------------------------------ operations
    def list_flows(self) -> list[dict[str, Any]]:
        return [
            describe_flow(self.catalog.get(name), self.config.state_machines.get(name))
            for name in self.catalog.names()
        ]

    def describe_flow(self, name: str) -> dict[str, Any]:
        flow = self.catalog.get(name)
        return describe_flow(flow, self.config.state_machines.get(flow.name), detailed=True)

    def track(self, event: Mapping[str, Any]) -> list[TrackResult]:
        """Apply a status change event (Standard) or a log delivery (Express) to the runs."""
        flow_of = self.config.flow_for_state_machine
        if is_log_event(event):
            return track_log_events(self.store, event, flow_of=flow_of)
        return [track_execution_event(self.store, event, flow_of=flow_of)]

    def wait(self, payload: Mapping[str, Any]) -> WaitResult:
        request = parse_model(WaitRequest, payload, "invalid waiter payload")
        ctx = request.context
        return self.events.wait(
            request.event,
            request.key,
            token=request.token,
            run_id=str(ctx.get("run_id") or "unknown"),
            node=str(ctx.get("node") or "unknown"),
            timeout=request.timeout,
        )

    def _fit(self, event: EventPublish, limit: int = MAX_EVENT_DATA_BYTES) -> EventPublish:
        """Event data over ``limit`` bytes is offloaded to the payload bucket (the waiting node
        receives ``{"$ref": ...}``, resolved like any offloaded payload), or refused with 413
        when no bucket is configured."""
        size = len(encode_json(event.data).encode("utf-8"))
        if size <= limit:
            return event
        if not self.payloads.can_offload:
            raise PayloadTooLargeError(
                "/body/data", size, limit,
                "put large data in S3 and send its URI, or configure FLOWCTL_PAYLOAD_BUCKET to offload it",
            )
        ref = self.payloads.ref(event.data, f"events/{event.event}/{uuid.uuid4()}")
        return event.model_copy(update={"data": ref})

    def route(self, event: EventPublish, event_id: str | None = None) -> dict[str, Any]:
        """The event_router logic: resume waiters or buffer."""
        event = self._fit(event, MAX_BUFFERED_DATA_BYTES)
        return self.events.publish(event.event, event.key, event.data, event_id=event_id).to_dict()

    def publish(self, event: EventPublish) -> dict[str, Any]:
        """``POST /events``: to the event bus when one is configured, else routed in-process."""
        event = self._fit(event)
        if not self.config.event_bus:
            return {"published": "direct", **self.route(event)}
        answer = self.events_client.put_events(
            Entries=[
                {
                    "Source": self.config.event_source,
                    "DetailType": event.event,
                    "Detail": encode_json({"key": event.key, "data": event.data}),
                    "EventBusName": self.config.event_bus,
                }
            ]
        )
        entry = answer["Entries"][0]
        if answer.get("FailedEntryCount"):
            raise EventPublishError(str(entry.get("ErrorCode")), str(entry.get("ErrorMessage")))
        return {"published": "bus", "event_id": entry.get("EventId")}


class LazyPlatform:
    """One :class:`Platform` per process, built on first call (``override`` for tests)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._platform: Platform | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Platform:
        with self._lock:
            if self._platform is None:
                self._platform = Platform.from_env(**self._options)
            return self._platform

    def override(self, platform: Platform | None) -> None:
        """Use ``platform`` (None: rebuild from the environment on the next call)."""
        with self._lock:
            self._platform = platform
