"""LiteFlow while: increment a counter by one."""

from __future__ import annotations

from typing import Any

from orchestrator.runtime import node


@node
def lambda_handler(inputs: dict[str, Any], ctx: Any) -> dict[str, int]:
    return {"count": int(inputs.get("count") or 0) + 1}
