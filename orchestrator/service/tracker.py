"""Tracker: an EventBridge "Step Functions Execution Status Change" event → the run record.

Idempotent and monotonic (the store applies a status only when it is newer, see
:func:`~orchestrator.store.models.status_sequence`; redrives start a newer round). A run that
flowctl's API did not create (a schedule, an event rule, the console) is created from the event.
The run id is the execution name; the flow comes from the state machine ARN.

Example::

    >>> track_execution_event(store, event, flow_of=config.flow_for_state_machine).applied
    True
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.errors import FlowctlError, Problem
from orchestrator.store.base import RunStore
from orchestrator.store.models import format_time

__all__ = ["DETAIL_TYPE", "TrackResult", "UnsupportedEventError", "track_execution_event"]

DETAIL_TYPE = "Step Functions Execution Status Change"


class UnsupportedEventError(FlowctlError):
    """The event is not a Step Functions execution status change."""


@dataclass(frozen=True)
class TrackResult:
    run_id: str
    status: str
    applied: bool


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _time(millis: Any) -> str | None:
    return format_time(int(millis) / 1000) if millis else None


def track_execution_event(
    store: RunStore, event: Mapping[str, Any], *, flow_of: Callable[[str], str]
) -> TrackResult:
    """Apply one status change event to the run store; ``applied`` is False for a stale one."""
    detail = event.get("detail")
    if event.get("detail-type") != DETAIL_TYPE or not isinstance(detail, Mapping):
        raise UnsupportedEventError(
            f"not a {DETAIL_TYPE!r} event",
            [
                Problem(
                    "/detail-type",
                    f"got {event.get('detail-type')!r}",
                    "route only aws.states status changes here",
                )
            ],
        )
    run_id = str(detail.get("name") or str(detail["executionArn"]).rsplit(":", 1)[-1])
    status = str(detail["status"])
    included = (detail.get("outputDetails") or {}).get("included", True)
    applied = store.update_run_status(
        run_id,
        status,
        flow=flow_of(str(detail.get("stateMachineArn", ""))),
        execution_arn=detail.get("executionArn"),
        input=_json(detail.get("input")),
        output=_json(detail.get("output"))
        if included and detail.get("output") is not None
        else None,
        error=detail.get("error"),
        cause=detail.get("cause"),
        started_at=_time(detail.get("startDate")),
        stopped_at=_time(detail.get("stopDate")),
        redrive_count=int(detail.get("redriveCount") or 0),
        trigger="external",
    )
    return TrackResult(run_id, status, applied)
