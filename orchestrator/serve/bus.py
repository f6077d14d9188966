"""The local event bus: what EventBridge does with an event put on the application's bus.

One bus per ``serve`` process (a trigger's ``bus`` name is not told apart locally). Publishing
an event does, in one call and in this order, what the cloud's rules do:

1. an event whose ``source`` is the platform's (``flowctl.events``, the event_router rule) goes
   to the event router: it resumes every run waiting for ``(detail-type, detail.key)`` or is
   buffered for the first one to wait;
2. every flow trigger whose pattern matches (:mod:`orchestrator.flowlang.event_patterns`) starts a run,
   with the trigger's ``input_path`` applied to the event (the whole event without one). The run
   id is ``<flow>-t<n>-<event id>``, so the same event never starts a flow's trigger twice.

:meth:`LocalEventBus.put_events` answers like boto3's ``events.put_events``, so the platform's
``POST /events`` publishes to this bus exactly as it does to EventBridge.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from orchestrator.errors import FlowctlError
from orchestrator.flowlang.event_patterns import matches
from orchestrator.flowlang.model import Flow, Trigger
from orchestrator.service.schemas import event_from_eventbridge

__all__ = ["BusResult", "LocalEventBus", "make_event"]

Starter = Callable[[str, Any, str], Any]
"""``start(flow, params, run_id) -> StartedRun``."""


@dataclass
class BusResult:
    """What one published event did."""

    event_id: str
    event: dict[str, Any]
    resumed: list[dict[str, str]] = field(default_factory=list)
    buffered: bool = False
    started: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    routed: bool = False
    """The event went to the event router (its source is the platform's)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "event": self.event,
            "routed": self.routed,
            "resumed": self.resumed,
            "buffered": self.buffered,
            "started": self.started,
            "failed": self.failed,
        }


def make_event(
    source: str,
    detail_type: str,
    detail: Any,
    *,
    event_id: str | None = None,
    resources: list[str] | None = None,
    region: str = "us-east-1",
    account: str = "123456789012",
    time: datetime | None = None,
) -> dict[str, Any]:
    """An EventBridge event, as a rule's target receives it."""
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": (time or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": list(resources or []),
        "detail": detail if detail is not None else {},
    }


class LocalEventBus:
    """Routes events to waiting runs and starts triggered flows (see the module docstring)."""

    def __init__(
        self,
        *,
        platform_source: str,
        route: Callable[[Any, str | None], dict[str, Any]],
        start: Starter,
        flows: Callable[[], dict[str, Flow]],
        on_event: Callable[[BusResult], None] | None = None,
    ) -> None:
        self.platform_source = platform_source
        self.route = route
        self.start = start
        self.flows = flows
        self.on_event = on_event
        self.lock = threading.Lock()

    # ------------------------------------------------------------------ boto3 ``events`` client
    def put_events(self, *, Entries: list[dict[str, Any]], **_: Any) -> dict[str, Any]:
        answers = []
        for entry in Entries:
            detail = entry.get("Detail") or "{}"
            event = make_event(
                str(entry.get("Source", "")),
                str(entry.get("DetailType", "")),
                json.loads(detail) if isinstance(detail, str) else detail,
                resources=entry.get("Resources"),
            )
            answers.append({"EventId": self.publish(event).event_id})
        return {"FailedEntryCount": 0, "Entries": answers}

    # ------------------------------------------------------------------ publish
    def publish(self, event: dict[str, Any], *, route: bool = True) -> BusResult:
        """Deliver one EventBridge event (see the module docstring); ``route=False``: only start
        the triggered flows."""
        result = BusResult(str(event["id"]), event)
        if route and event.get("source") == self.platform_source:
            try:
                published, event_id = event_from_eventbridge(event)
                routed = self.route(published, event_id)
            except FlowctlError as exc:
                result.failed.append(
                    {"flow": "", "trigger": "", "message": exc.headline}
                )
            else:
                result.routed = True
                result.resumed = list(routed.get("resumed", []))
                result.buffered = bool(routed.get("buffered"))
        for _name, flow in sorted(self.flows().items()):
            for number, trigger in enumerate(flow.triggers, start=1):
                if matches(trigger.pattern, event):
                    self._trigger(result, flow, number, trigger, event)
        if self.on_event is not None:
            self.on_event(result)
        return result

    def _trigger(
        self, result: BusResult, flow: Flow, number: int, trigger: Trigger, event: dict[str, Any]
    ) -> None:
        run_id = f"{flow.name[:36]}-t{number}-{result.event_id}"[:80]
        try:
            params = input_of(trigger, event)
            started = self.start(flow.name, params, run_id)
        except FlowctlError as exc:
            hint = (
                ""
                if trigger.input_path
                else " (the whole event is the input: set the trigger's input_path, e.g. '$.detail')"
            )
            result.failed.append(
                {
                    "flow": flow.name,
                    "trigger": str(number),
                    "message": f"{exc.headline}{hint}",
                }
            )
            return
        result.started.append(
            {"flow": flow.name, "run_id": started.run.run_id, "created": started.created}
        )


def input_of(trigger: Trigger, event: dict[str, Any]) -> Any:
    """The run input a trigger gives: ``input_path`` of the event, or the whole event."""
    if not trigger.input_path or trigger.input_path == "$":
        return event
    from jsonpath_ng import parse

    found = parse(trigger.input_path).find(event)
    if not found:
        raise FlowctlError(f"input_path {trigger.input_path} selects nothing in the event")
    return found[0].value
