"""LiteFlow while: increment a counter by one.

Input: ``{"count": 2}`` (missing or null counts as 0).
Output: ``{"count": 3}``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from orchestrator.runtime import ContractModel, node


def handle(inputs: dict[str, Any] | None, ctx: Any = None) -> dict[str, int]:
    return {"count": int((inputs or {}).get("count") or 0) + 1}


class Input(ContractModel):
    """The counter to increment."""

    count: int | None = Field(0, description="Current value (missing or null counts as 0).")


class Output(ContractModel):
    """The incremented counter."""

    count: int


lambda_handler = node(handle, input=Input, output=Output)
