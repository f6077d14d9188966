"""Record that a user passed KYC: write a JSON record under ``<out_dir>/verified/``.

Input::

    {"user": {"id": "u001", "name": "Ana Souza", ...},
     "result": <combine_results output>,
     "out_dir": "out/kyc"}            # optional; local folder or s3:// prefix

Output::

    {"user_id": "u001", "status": "verified", "reasons": [...],
     "record": "<out_dir>/verified/u001.json"}

The record holds the user, the decision, the run id and when it was written. Relative folders
resolve against ``FLOWCTL_PROJECT_DIR``. Raises ``RecordError`` when the user id is not a
plain name (letters, digits, ``_ . -``) or the record cannot be written.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from orchestrator.io import StorageError, join_uri, write_text
from orchestrator.runtime import node

STATUS = "verified"
DEFAULT_OUT_DIR = "out/kyc"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]+$")


class RecordError(Exception):
    """The record cannot be named or written."""


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    user, result = inputs.get("user") or {}, inputs.get("result") or {}
    user_id = str(user.get("id") or "")
    if not _SAFE_ID.match(user_id):
        raise RecordError(f"user id must be a plain name (letters, digits, _ . -), got {user_id!r}")
    reasons = list(result.get("reasons") or [])
    record = {
        "user_id": user_id,
        "name": user.get("name"),
        "status": STATUS,
        "reasons": reasons,
        "result": result,
        "run_id": getattr(ctx, "run_id", None),
        "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    target = join_uri(str(inputs.get("out_dir") or DEFAULT_OUT_DIR), STATUS, f"{user_id}.json")
    try:
        where = write_text(target, json.dumps(record, indent=2) + "\n")
    except StorageError as exc:
        raise RecordError(f"cannot write the {STATUS} record of {user_id}: {exc}") from exc
    return {"user_id": user_id, "status": STATUS, "reasons": reasons, "record": where}


lambda_handler = node(handle)
