"""Readable failures: a Lambda's JSON error document shortened to its message and origin.

Example::

    >>> describe_failure("HttpError", '{"errorMessage": "503", "stackTrace": ["  File app.py, line 3"]}')
    'HttpError: 503\\n  at File app.py, line 3'
    >>> failure_headline("HttpError", '{"errorMessage": "503"}')
    'HttpError: 503'
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["describe_failure", "failure_headline"]


def _lambda_error(cause: str | None) -> dict[str, Any] | None:
    """The cause parsed when it is a Lambda error document (``{"errorMessage": ...}``)."""
    if not cause or not cause.lstrip().startswith("{"):
        return None
    try:
        parsed = json.loads(cause)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) and "errorMessage" in parsed else None


def describe_failure(error: str | None, cause: str | None) -> str:
    """``error: message``, and on a second line ``  at <where it was raised>`` when the cause is
    a Lambda error document with a stack trace; ``error: cause`` otherwise."""
    parsed = _lambda_error(cause)
    if parsed is None:
        return f"{error}: {cause or ''}"
    frames = parsed.get("stackTrace") or []
    where = frames[-1].strip().splitlines()[0] if frames and isinstance(frames[-1], str) else ""
    return f"{error}: {parsed['errorMessage']}" + (f"\n  at {where}" if where else "")


def failure_headline(error: str | None, cause: str | None, limit: int = 200) -> str:
    """The first line of :func:`describe_failure`, at most ``limit`` characters."""
    return describe_failure(error, cause).splitlines()[0][:limit]
