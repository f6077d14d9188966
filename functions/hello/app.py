"""LiteFlow hello world: greet someone."""

from __future__ import annotations

from typing import Any

from orchestrator.runtime import node


@node
def lambda_handler(inputs: dict[str, Any], ctx: Any) -> dict[str, str]:
    name = (inputs or {}).get("name") or "World"
    return {"message": f"Hello, {name}!"}
