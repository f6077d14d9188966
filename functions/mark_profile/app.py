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

from typing import Any, Literal

from pydantic import Field

from orchestrator.runtime import ContractModel, node

from shared.kyc import plain_user_id, utc_now, write_user_file


class ProfileError(Exception):
    """The profile cannot be named or written."""


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    user, result = inputs.get("user") or {}, inputs.get("result") or {}
    user_id = plain_user_id(user, ProfileError)
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
    document = {**profile, "updated_at": utc_now()}
    where = write_user_file(inputs.get("out_dir"), "profiles", user_id, document, ProfileError, f"the profile of {user_id}")
    return {**profile, "profile": where}


class Input(ContractModel):
    """The user, whether they were verified, and the combined result."""

    user: dict[str, Any] = Field(description="{id, name, ...}.")
    verified: bool | None = Field(None, description="Whether mark_verified ran (default: result.status = 'pass').")
    result: dict[str, Any] = Field(default_factory=dict, description="combine_results' output.")
    out_dir: str | None = Field(None, description="Local folder or s3:// prefix.")


class Output(ContractModel):
    """The profile as written."""

    user_id: str
    name: str | None
    status: Literal["verified", "review"]
    reasons: list[str]
    similarity: float | None
    faces: int | None
    profile: str


lambda_handler = node(handle, input=Input, output=Output)
