"""LiteFlow parallel foreach: process one item of the list.

Input: ``{"item": "abc", "index": 0}``.
Output: ``{"index": 0, "item": "abc", "upper": "ABC", "length": 3}`` (``item`` as text).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from orchestrator.runtime import ContractModel, node


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    item = str(inputs["item"])
    return {"index": inputs.get("index"), "item": item, "upper": item.upper(), "length": len(item)}


class Input(ContractModel):
    """One item of a foreach."""

    item: Any = Field(description="The item (used as text).")
    index: int | None = Field(None, description="Its position in the list.")


class Output(ContractModel):
    """The item, upper-cased, with its length."""

    index: int | None
    item: str
    upper: str
    length: int


lambda_handler = node(handle, input=Input, output=Output)
