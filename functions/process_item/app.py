"""LiteFlow parallel foreach: process one item of the list.

Input: ``{"item": "abc", "index": 0}``.
Output: ``{"index": 0, "item": "abc", "upper": "ABC", "length": 3}`` (``item`` as text).
"""

from __future__ import annotations

from typing import Any

from orchestrator.runtime import node


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    item = str(inputs["item"])
    return {"index": inputs.get("index"), "item": item, "upper": item.upper(), "length": len(item)}


lambda_handler = node(handle)
