"""Queue a user who failed automatic KYC for a person to review: ``<out_dir>/review/<id>.json``.

The ``decide`` switch's default branch of kyc-verify. It takes the same input as
``mark_verified`` (the user, the combined result, an optional ``out_dir``) and answers
``{"user_id": "u003", "status": "review", "reasons": ["no face detected", ...], "record":
"<out_dir>/review/u003.json"}`` — the reasons tell the reviewer what the checks found. Errors
(``RecordError``) and the record's content: see :func:`shared.kyc.record_decision`.
"""

from __future__ import annotations

from typing import Any

from orchestrator.runtime import node

from shared.contracts import DecisionInput, DecisionOutput
from shared.kyc import RecordError, record_decision

__all__ = ["STATUS", "RecordError", "handle", "lambda_handler"]

STATUS = "review"


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    return record_decision(inputs, ctx, STATUS)


lambda_handler = node(handle, input=DecisionInput, output=DecisionOutput)
