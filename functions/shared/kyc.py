"""The KYC flow's per-user files: decision records (``verified/``, ``review/``) and profiles.

Every file is JSON under ``<out_dir>/<folder>/<user id>.json`` (``out_dir`` a local folder or
an ``s3://`` prefix, relative folders resolved against ``FLOWCTL_PROJECT_DIR``, default
:data:`DEFAULT_OUT_DIR`). A user id must be a plain name, so it cannot escape its folder.

Example (``functions/mark_verified/app.py``)::

    from shared.kyc import RecordError, record_decision

    def handle(inputs, ctx=None):
        return record_decision(inputs, ctx, "verified")
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from orchestrator.io import StorageError, join_uri, write_text

__all__ = ["DEFAULT_OUT_DIR", "RecordError", "plain_user_id", "record_decision", "utc_now", "write_user_file"]

DEFAULT_OUT_DIR = "out/kyc"
_PLAIN = re.compile(r"^[A-Za-z0-9_.-]+$")


class RecordError(Exception):
    """The record cannot be named or written."""


def utc_now() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def plain_user_id(user: dict[str, Any], error: type[Exception]) -> str:
    """The user's id as text; ``error`` unless it is a plain name (letters, digits, ``_ . -``)."""
    user_id = str(user.get("id") or "")
    if not _PLAIN.match(user_id):
        raise error(f"user id must be a plain name (letters, digits, _ . -), got {user_id!r}")
    return user_id


def write_user_file(out_dir: Any, folder: str, user_id: str, document: dict[str, Any], error: type[Exception], what: str) -> str:
    """Write ``document`` as ``<out_dir>/<folder>/<user_id>.json``; return where it went.
    ``error("cannot write <what>: ...")`` when it cannot be written."""
    target = join_uri(str(out_dir or DEFAULT_OUT_DIR), folder, f"{user_id}.json")
    try:
        return write_text(target, json.dumps(document, indent=2) + "\n")
    except StorageError as exc:
        raise error(f"cannot write {what}: {exc}") from exc


def record_decision(inputs: dict[str, Any], ctx: Any, status: str) -> dict[str, Any]:
    """Record a KYC decision (``status`` ``verified`` or ``review``) for ``inputs["user"]``.

    Input ``{"user", "result": <combine_results output>, "out_dir"?}``; writes
    ``<out_dir>/<status>/<id>.json`` holding the user, the decision, the run id and the time;
    returns ``{"user_id", "status", "reasons", "record"}``. Raises :class:`RecordError`.
    """
    user, result = inputs.get("user") or {}, inputs.get("result") or {}
    user_id = plain_user_id(user, RecordError)
    reasons = list(result.get("reasons") or [])
    record = {
        "user_id": user_id,
        "name": user.get("name"),
        "status": status,
        "reasons": reasons,
        "result": result,
        "run_id": getattr(ctx, "run_id", None),
        "recorded_at": utc_now(),
    }
    where = write_user_file(inputs.get("out_dir"), status, user_id, record, RecordError, f"the {status} record of {user_id}")
    return {"user_id": user_id, "status": status, "reasons": reasons, "record": where}
