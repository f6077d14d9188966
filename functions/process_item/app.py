"""LiteFlow parallel foreach: process one item of the list."""

from __future__ import annotations

from typing import Any

from orchestrator.runtime import node


@node
def lambda_handler(inputs: dict[str, Any], ctx: Any) -> dict[str, Any]:
    item = str(inputs["item"])
    return {"index": inputs.get("index"), "item": item, "upper": item.upper(), "length": len(item)}
