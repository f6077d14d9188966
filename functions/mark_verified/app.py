"""Record that a user passed KYC: ``<out_dir>/verified/<user id>.json``.

Runs on the ``decide`` switch's pass branch of kyc-verify. Input ``{"user", "result":
<combine_results output>, "out_dir"?}`` (``out_dir`` defaults to ``out/kyc``, a local folder or
an ``s3://`` prefix); output ``{"user_id": "u001", "status": "verified", "reasons": [],
"record": "<out_dir>/verified/u001.json"}``. The record keeps the user, the decision, the run
id and the time. ``RecordError`` when the id is not a plain name or the file cannot be
written. The logic is shared with ``flag_review``: :func:`shared.kyc.record_decision`.
"""

from __future__ import annotations

from typing import Any

from orchestrator.runtime import node

from shared.contracts import DecisionInput, DecisionOutput
from shared.kyc import RecordError, record_decision

__all__ = ["STATUS", "RecordError", "handle", "lambda_handler"]

STATUS = "verified"


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    return record_decision(inputs, ctx, STATUS)


lambda_handler = node(handle, input=DecisionInput, output=DecisionOutput)
