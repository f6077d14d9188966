"""Tracker: execution status changes → the run record.

Two sources, one effect. Standard state machines send EventBridge "Step Functions Execution
Status Change" events (:func:`track_execution_event`). Express state machines send none —
EventBridge carries status changes of Standard workflows only — so their execution events are
read from the state machine's CloudWatch Logs group (level ALL, execution data included),
delivered to the tracker by a subscription filter (:func:`track_log_events`).

Idempotent and monotonic (the store applies a status only when it is newer, see
:func:`~orchestrator.store.models.status_sequence`; redrives start a newer round). A run that
flowctl's API did not create (a schedule, an event rule, the console) is created from the event.
The run id is the execution name; the flow comes from the state machine ARN.

Example::

    >>> track_execution_event(store, event, flow_of=config.flow_for_state_machine).applied
    True
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.errors import Problem
from orchestrator.service.errors import UnsupportedEventError
from orchestrator.store.base import RunStore
from orchestrator.store.models import format_time

__all__ = [
    "DETAIL_TYPE",
    "TrackResult",
    "UnsupportedEventError",
    "is_log_event",
    "track_execution_event",
    "track_log_events",
]

DETAIL_TYPE = "Step Functions Execution Status Change"


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
            problems=[
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


# Execution-level events in an Express state machine's log → run status.
LOG_STATUS = {
    "ExecutionStarted": "RUNNING",
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionAborted": "ABORTED",
    "ExecutionTimedOut": "TIMED_OUT",
}


def is_log_event(event: Mapping[str, Any]) -> bool:
    """A CloudWatch Logs subscription delivery (``{"awslogs": {"data": ...}}``)."""
    return isinstance(event.get("awslogs"), Mapping)


def _log_records(event: Mapping[str, Any]) -> list[dict[str, Any]]:
    try:
        data = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    except (KeyError, TypeError, ValueError, OSError) as exc:
        raise UnsupportedEventError(
            "unreadable CloudWatch Logs delivery",
            problems=[Problem("/awslogs/data", f"not base64 gzip JSON: {exc}", "subscribe the log group")],
        ) from None
    records = []
    for entry in data.get("logEvents") or []:
        record = _json(entry.get("message"))
        if isinstance(record, dict) and record.get("type") in LOG_STATUS:
            records.append(record)
    return records


def _express_execution(arn: str) -> tuple[str, str]:
    """``arn:aws:states:R:A:express:Machine:Name:uuid`` → (state machine ARN, execution name)."""
    parts = arn.split(":")
    if len(parts) >= 8 and parts[5] == "express":
        return ":".join([*parts[:5], "stateMachine", parts[6]]), parts[7]
    if len(parts) >= 8 and parts[5] == "execution":
        return ":".join([*parts[:5], "stateMachine", parts[6]]), parts[7]
    return "", arn.rsplit(":", 1)[-1]


def track_log_events(
    store: RunStore, event: Mapping[str, Any], *, flow_of: Callable[[str], str]
) -> list[TrackResult]:
    """Apply the execution events of a log delivery (other events in it are ignored)."""
    results = []
    for record in _log_records(event):
        machine, run_id = _express_execution(str(record.get("execution_arn") or ""))
        status = LOG_STATUS[record["type"]]
        details = record.get("details") or {}
        millis = record.get("event_timestamp")
        terminal = status != "RUNNING"
        truncated = (details.get("outputDetails") or {}).get("truncated", False)
        applied = store.update_run_status(
            run_id,
            status,
            flow=flow_of(machine),
            execution_arn=record.get("execution_arn"),
            input=_json(details.get("input")) if not terminal else None,
            output=_json(details.get("output"))
            if terminal and not truncated and details.get("output") is not None
            else None,
            error=details.get("error"),
            cause=details.get("cause"),
            started_at=None if terminal else _time(millis),
            stopped_at=_time(millis) if terminal else None,
            redrive_count=int(record.get("redrive_count") or 0),
            trigger="external",
        )
        results.append(TrackResult(run_id, status, applied))
    return results
