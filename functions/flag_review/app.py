"""Queue a user who failed automatic KYC for a person to review: ``<out_dir>/review/<id>.json``.

The ``decide`` switch's default branch of kyc-verify. It takes the same input as
``mark_verified`` (the user, the combined result, an optional ``out_dir``) and answers
``{"user_id": "u003", "status": "review", "reasons": ["no face detected", ...], "record":
"<out_dir>/review/u003.json"}`` — the reasons tell the reviewer what the checks found. Errors
(``RecordError``) and the record's content: see :func:`orchestrator.nodekit.kyc.record_decision`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from orchestrator.nodekit.kyc import RecordError, record_decision
from orchestrator.runtime import node

__all__ = ["STATUS", "RecordError", "handle", "lambda_handler"]

STATUS = "review"


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    return record_decision(inputs, ctx, STATUS)


class Input(BaseModel):
    """The user, the combined result and where to write the record."""

    user: dict[str, Any] = Field(description="{id, name, ...}.")
    result: dict[str, Any] = Field(default_factory=dict, description="combine_results' output.")
    out_dir: str | None = Field(None, description="Local folder or s3:// prefix (default out/kyc).")


class Output(BaseModel):
    """The decision recorded for a reviewer."""

    user_id: str
    status: str
    reasons: list[str]
    record: str


lambda_handler = node(handle, input=Input, output=Output)
