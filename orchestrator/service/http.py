"""HTTP view of flowctl errors: status codes and the one error body shape.

Body: ``{"message": "...", "problems": [{"where": "/params/x", "message": "...", "hint": "..."}]}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from orchestrator import strict_json
from orchestrator.errors import FlowctlError, Problem
from orchestrator.service.errors import (
    ConfigurationError,
    ConflictError,
    EventPublishError,
    FlowNotDeployedError,
    NotFoundError,
    PayloadTooLargeError,
    StartRunError,
    StepFunctionsUnavailableError,
)
from orchestrator.store.errors import DynamoDBError, RunAlreadyExistsError, StoreUnavailableError
from orchestrator.strict_json import StrictJsonError

__all__ = [
    "body_problem",
    "body_refusal",
    "error_body",
    "error_response",
    "error_status",
    "validation_problems",
]

_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (NotFoundError, 404),
    (ConflictError, 409),
    (RunAlreadyExistsError, 409),
    (PayloadTooLargeError, 413),
    (FlowNotDeployedError, 503),
    (StepFunctionsUnavailableError, 503),
    (EventPublishError, 503),
    (StoreUnavailableError, 503),
    (DynamoDBError, 500),  # the run table refused a request: not the caller's mistake
    (ConfigurationError, 500),
    (FlowctlError, 400),
)


def error_status(exc: Exception) -> int:
    """404 unknown flow/run, 409 conflicts, 413 too large, 503 flow not deployed or a service
    unreachable, 500 misconfiguration or a refused run-table request, 400 any other mistake of
    the caller; a refused start says its own."""
    if isinstance(exc, StartRunError):
        return exc.status
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def error_body(message: str, problems: Iterable[Problem] = ()) -> dict[str, Any]:
    return {
        "message": message,
        "problems": [{"where": p.where, "message": p.message, "hint": p.hint} for p in problems],
    }


def error_response(exc: FlowctlError) -> tuple[int, dict[str, Any]]:
    """(HTTP status, error body) of a flowctl error, read from its fields."""
    return error_status(exc), error_body(exc.headline, exc.problems)


def validation_problems(errors: Iterable[Mapping[str, Any]]) -> list[Problem]:
    """Problems of pydantic/Powertools validation errors (``loc`` → JSON pointer)."""
    problems = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ())]
        if error.get("type") == "json_invalid":
            detail = (error.get("ctx") or {}).get("error", "")
            problems.append(
                Problem("/body", f"malformed JSON: {detail}".rstrip(": "), "send a JSON object")
            )
            continue
        if loc and loc[0] == "body":
            loc = loc[1:]
        problems.append(Problem("/" + "/".join(loc), str(error.get("msg", "invalid")), ""))
    return problems


def body_problem(body: str | None) -> dict[str, Any] | None:
    """The 400 error body for a request body that is not strict JSON (NaN, duplicate keys,
    lone surrogates, huge integers, deep nesting), else None."""
    if not body:
        return None
    try:
        strict_json.loads(body)
    except StrictJsonError as exc:
        if exc.where.startswith("/") or not exc.where:
            problem = Problem("/body" + exc.where, exc.message, exc.hint or "send strict JSON")
        else:  # a syntax error: where is "line L, column C"
            problem = Problem("/body", f"malformed JSON: {exc.message.removeprefix('invalid JSON: ')} ({exc.where})", "send a JSON object")
        return error_body("invalid request", [problem])
    return None


def body_refusal(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """An API Gateway proxy answer (400) for an event whose body is not strict JSON, else None.

    Called by the API handler before routing, so no parser ever sees such a body (a deep one
    would raise RecursionError inside request validation: a 502)."""
    body = event.get("body")
    if not isinstance(body, str) or event.get("isBase64Encoded"):
        return None
    problem = body_problem(body)
    if problem is None:
        return None
    return {
        "statusCode": 400,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(problem),
        "isBase64Encoded": False,
    }
