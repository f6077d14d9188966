"""Greet someone.

Input: ``{"name": "Ada"}`` (``name`` optional, default ``"World"``).
Output: ``{"message": "Hello, Ada!"}``.
"""

from __future__ import annotations

from typing import Any

from orchestrator.runtime import node


@node
def lambda_handler(inputs: dict[str, Any] | None, ctx: Any = None) -> dict[str, str]:
    name = (inputs or {}).get("name") or "World"
    return {"message": f"Hello, {name}!"}
