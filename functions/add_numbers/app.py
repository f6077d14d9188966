"""LiteFlow passing data: add two numbers; the next node reads the sum."""

from __future__ import annotations

from typing import Any

from orchestrator.runtime import node


@node
def lambda_handler(inputs: dict[str, Any], ctx: Any) -> dict[str, float]:
    a, b = inputs["a"], inputs["b"]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b)):
        raise TypeError(f"a and b must be numbers, got {a!r} and {b!r}")
    return {"a": a, "b": b, "sum": a + b}
