"""The shapes AWS gives an execution: its description, its status change events and, for
Express state machines, its execution log records.

* STANDARD: every status change (RUNNING at a start or a redrive, then the terminal status) is
  a "Step Functions Execution Status Change" event shaped like EventBridge's
  (:func:`status_change_event`); input and output above :data:`EVENT_PAYLOAD_LIMIT` are left
  out (``included: false``).
* EXPRESS: EventBridge has nothing; the execution-level record of its log group
  (ExecutionStarted, then ExecutionSucceeded/Failed/...) comes as a CloudWatch Logs
  subscription delivery, ``{"awslogs": {"data": <base64 gzip JSON>}}`` (:func:`log_delivery`).
* :func:`describe` is ``DescribeExecution``'s answer, :func:`listed` a ``ListExecutions`` item,
  :func:`page` one page of a listing.
"""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from orchestrator.engine.jsonvalue import payload_size
from orchestrator.testing.stepfunctions.records import RUNNING, Execution
from orchestrator.testing.stepfunctions.redrive import redrive_status

__all__ = ["EVENT_PAYLOAD_LIMIT", "STATUS_CHANGE", "date", "describe", "listed", "log_delivery", "page", "status_change_event"]

STATUS_CHANGE = "Step Functions Execution Status Change"
EVENT_PAYLOAD_LIMIT = 248 * 1024
"""Largest input or output a status change event carries (``included: false`` above)."""

# Execution status → the type of its execution-level record in an Express log group.
_LOG_TYPES = {
    RUNNING: "ExecutionStarted",
    "SUCCEEDED": "ExecutionSucceeded",
    "FAILED": "ExecutionFailed",
    "ABORTED": "ExecutionAborted",
    "TIMED_OUT": "ExecutionTimedOut",
}

_LISTED = frozenset(
    {
        "executionArn",
        "stateMachineArn",
        "name",
        "status",
        "startDate",
        "stopDate",
        "redriveCount",
        "redriveDate",
    }
)


def date(epoch: float) -> datetime:
    """An epoch time as the UTC datetime boto3 returns."""
    return datetime.fromtimestamp(epoch, UTC)


def _millis(epoch: float | None) -> int | None:
    return None if epoch is None else int(epoch * 1000)


def status_change_event(ex: Execution, *, region: str, account: str, now: float) -> dict[str, Any]:
    """The EventBridge event of the current status of the STANDARD execution ``ex``."""
    status, reason = redrive_status(ex)
    output, error, cause, stopped = ex.ending()
    output_included = output is None or payload_size(output) <= EVENT_PAYLOAD_LIMIT
    input_included = payload_size(ex.input) <= EVENT_PAYLOAD_LIMIT
    detail = {
        "executionArn": ex.arn,
        "stateMachineArn": ex.machine.arn,
        "name": ex.name,
        "status": ex.status,
        "startDate": _millis(ex.started),
        "stopDate": _millis(stopped),
        "input": ex.input if input_included else None,
        "output": output if output_included else None,
        "inputDetails": {"included": input_included},
        "outputDetails": None if output is None else {"included": output_included},
        "error": error,
        "cause": cause,
        "redriveCount": ex.redrive_count,
        "redriveDate": _millis(ex.redriven),
        "redriveStatus": status,
        "redriveStatusReason": reason,
    }
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": STATUS_CHANGE,
        "source": "aws.states",
        "account": account,
        "time": date(now).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [ex.arn],
        "detail": detail,
    }


def log_delivery(ex: Execution, *, account: str) -> dict[str, Any]:
    """The current status of the EXPRESS execution ``ex`` as its log group's subscription
    delivers it to a Lambda."""
    output, error, cause, stopped = ex.ending()
    kind = _LOG_TYPES[ex.status]
    if ex.status == RUNNING:
        details: dict[str, Any] = {"input": ex.input, "inputDetails": {"truncated": False},
                                   "roleArn": ex.machine.role_arn}
    elif ex.status == "SUCCEEDED":
        details = {"output": output, "outputDetails": {"truncated": False}}
    else:
        details = {"error": error, "cause": cause}
    millis = _millis(ex.started if ex.status == RUNNING else stopped)
    record = {
        "id": "1" if ex.status == RUNNING else str(len(ex.history) or 2),
        "type": kind,
        "details": details,
        "previous_event_id": "0",
        "event_timestamp": str(millis),
        "execution_arn": ex.arn,
        "redrive_count": "0",
    }
    data = {
        "messageType": "DATA_MESSAGE",
        "owner": account,
        "logGroup": f"/aws/vendedlogs/states/{ex.machine.name}",
        "logStream": f"states/{ex.machine.name}/{ex.name}",
        "subscriptionFilters": ["flowctl-tracker"],
        "logEvents": [{"id": str(uuid.uuid4().int), "timestamp": millis, "message": json.dumps(record)}],
    }
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(data).encode())).decode()}}


def describe(ex: Execution) -> dict[str, Any]:
    """``DescribeExecution``'s answer for ``ex``."""
    status, reason = redrive_status(ex)
    output, error, cause, stopped = ex.ending()
    info: dict[str, Any] = {
        "executionArn": ex.arn,
        "stateMachineArn": ex.machine.arn,
        "name": ex.name,
        "status": ex.status,
        "startDate": date(ex.started),
        "input": ex.input,
        "inputDetails": {"included": True},
        "redriveCount": ex.redrive_count,
        "redriveStatus": status,
    }
    optional = {
        "stopDate": None if stopped is None else date(stopped),
        "output": output,
        "outputDetails": None if output is None else {"included": True},
        "error": error,
        "cause": cause,
        "redriveDate": None if ex.redriven is None else date(ex.redriven),
        "redriveStatusReason": reason,
    }
    info.update({k: v for k, v in optional.items() if v is not None})
    return info


def listed(ex: Execution) -> dict[str, Any]:
    """``ex`` as an item of ``ListExecutions``."""
    return {k: v for k, v in describe(ex).items() if k in _LISTED}


def page(key: str, items: list[dict[str, Any]], max_results: int, next_token: str | None) -> dict[str, Any]:
    """One page of a listing: ``{key: items, "nextToken"?}`` (the token is the next offset)."""
    start = int(next_token or 0)
    chunk = items[start : start + (max_results or 100)]
    answer: dict[str, Any] = {key: chunk}
    if start + len(chunk) < len(items):
        answer["nextToken"] = str(start + len(chunk))
    return answer
