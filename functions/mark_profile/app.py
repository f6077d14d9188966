"""Set a user's KYC status on their profile: ``verified`` or ``review``.

Input::

    {"user": {"id": "u001", "name": "Ana Souza", ...},
     "verified": true,                 # whether mark_verified ran (default: result.status == "pass")
     "result": <combine_results output>,
     "out_dir": "out/kyc"}             # optional; local folder or s3:// prefix

Output (the kyc flow counts ``status = 'verified'`` and lists the ``user_id`` of ``review``)::

    {"user_id": "u001", "name": "Ana Souza", "status": "verified", "reasons": [],
     "similarity": 0.998, "faces": 1, "profile": "<out_dir>/profiles/u001.json"}

The profile file holds the same object plus when it was updated. Raises ``ProfileError`` when
the user id is not a plain name or the profile cannot be written.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from orchestrator.io import StorageError, join_uri, write_text
from orchestrator.runtime import node

DEFAULT_OUT_DIR = "out/kyc"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]+$")


class ProfileError(Exception):
    """The profile cannot be named or written."""


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    user, result = inputs.get("user") or {}, inputs.get("result") or {}
    user_id = str(user.get("id") or "")
    if not _SAFE_ID.match(user_id):
        raise ProfileError(f"user id must be a plain name (letters, digits, _ . -), got {user_id!r}")
    verified = inputs.get("verified")
    if verified is None:
        verified = result.get("status") == "pass"
    profile = {
        "user_id": user_id,
        "name": user.get("name"),
        "status": "verified" if verified else "review",
        "reasons": list(result.get("reasons") or []),
        "similarity": result.get("similarity"),
        "faces": result.get("faces"),
    }
    target = join_uri(str(inputs.get("out_dir") or DEFAULT_OUT_DIR), "profiles", f"{user_id}.json")
    document = {**profile, "updated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    try:
        where = write_text(target, json.dumps(document, indent=2) + "\n")
    except StorageError as exc:
        raise ProfileError(f"cannot write the profile of {user_id}: {exc}") from exc
    return {**profile, "profile": where}


lambda_handler = node(handle)
