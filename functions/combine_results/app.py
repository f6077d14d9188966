"""Combine face detection and face matching into one KYC decision for a user.

Input::

    {"user": {"id": "u001", "name": "Ana Souza", ...},
     "detect": <detect_face output: {"faces", "confidence", "reason"}>,
     "match":  <match_face output: {"similarity", "match", "threshold", "reason"}>}

Output::

    {"user_id": "u001", "status": "pass", "reasons": [],
     "faces": 1, "confidence": 0.99, "similarity": 0.998}

``status`` is ``pass`` when exactly one face is found and it matches the reference; otherwise
``fail``, and ``reasons`` says why in words a reviewer understands, e.g. ``["no face
detected"]``, ``["2 faces detected (expected 1)", "face does not match the reference
(similarity 0.00 < 0.80)"]`` or ``["image invalid: image file not found"]``. Raises
``UserInputError`` when the user has no id.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from orchestrator.runtime import ContractModel, node


class UserInputError(Exception):
    """The user record lacks an id."""


def _below(similarity: float, threshold: float) -> str:
    """``"0.38 < 0.80"``: two decimals, more when two would show a close miss as equal
    (0.987 against 0.99 reads ``0.987 < 0.990``, not ``0.99 < 0.99``)."""
    digits = 2
    while digits < 6 and similarity < threshold and round(similarity, digits) >= round(threshold, digits):
        digits += 1
    return f"{similarity:.{digits}f} < {threshold:.{digits}f}"


def decide(detect: dict[str, Any], match: dict[str, Any]) -> list[str]:
    """The reasons to refuse the user (empty: pass)."""
    reasons: list[str] = []
    for reason in (detect.get("reason"), match.get("reason")):
        if reason and reason not in reasons:
            reasons.append(str(reason))
    if reasons:
        return reasons
    faces = int(detect.get("faces") or 0)
    if faces == 0:
        reasons.append("no face detected")
    elif faces > 1:
        reasons.append(f"{faces} faces detected (expected 1)")
    if not match.get("match"):
        similarity, threshold = float(match.get("similarity") or 0), float(match.get("threshold") or 0)
        reasons.append(f"face does not match the reference (similarity {_below(similarity, threshold)})")
    return reasons


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    user = inputs.get("user") or {}
    if not user.get("id"):
        raise UserInputError("the user needs an 'id'")
    detect, match = inputs.get("detect") or {}, inputs.get("match") or {}
    reasons = decide(detect, match)
    return {
        "user_id": str(user["id"]),
        "status": "fail" if reasons else "pass",
        "reasons": reasons,
        "faces": int(detect.get("faces") or 0),
        "confidence": float(detect.get("confidence") or 0),
        "similarity": float(match.get("similarity") or 0),
    }


class Input(ContractModel):
    """The user and both checks of their photo."""

    user: dict[str, Any] = Field(description="{id, name, image, reference}.")
    detect: dict[str, Any] = Field(default_factory=dict, description="detect_face's output.")
    match: dict[str, Any] = Field(default_factory=dict, description="match_face's output.")


class Output(ContractModel):
    """The KYC decision."""

    user_id: str
    status: Literal["pass", "fail"]
    reasons: list[str]
    faces: int
    confidence: float | None
    similarity: float | None


lambda_handler = node(handle, input=Input, output=Output)
