"""HTTP view of flowctl errors: status codes and the one error body shape.

Body: ``{"message": "...", "problems": [{"where": "/params/x", "message": "...", "hint": "..."}]}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from orchestrator.errors import FlowctlError, Problem
from orchestrator.service.config import ConfigurationError
from orchestrator.service.errors import (
    ConflictError,
    FlowNotDeployedError,
    NotFoundError,
)
from orchestrator.store.exceptions import RunAlreadyExistsError

__all__ = ["error_body", "error_status", "validation_problems"]

_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (NotFoundError, 404),
    (ConflictError, 409),
    (RunAlreadyExistsError, 409),
    (FlowNotDeployedError, 503),
    (ConfigurationError, 500),
    (FlowctlError, 400),
)


def error_status(exc: Exception) -> int:
    """404 unknown flow/run, 409 conflicts, 503 flow not deployed, 500 misconfiguration,
    400 any other mistake of the caller."""
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def error_body(message: str, problems: Iterable[Problem] = ()) -> dict[str, Any]:
    return {
        "message": message,
        "problems": [{"where": p.where, "message": p.message, "hint": p.hint} for p in problems],
    }


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
