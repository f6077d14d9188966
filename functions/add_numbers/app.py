"""LiteFlow passing data: add two numbers; the next node reads the sum.

Input: ``{"a": 2, "b": 3}``.
Output: ``{"a": 2, "b": 3, "sum": 5}``.

Raises ``TypeError`` when ``a`` or ``b`` is not a number (booleans are not numbers here).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from orchestrator.runtime import ContractModel, node


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, float]:
    a, b = inputs["a"], inputs["b"]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b)):
        raise TypeError(f"a and b must be numbers, got {a!r} and {b!r}")
    return {"a": a, "b": b, "sum": a + b}


class Input(ContractModel):
    """Two numbers to add."""

    a: float = Field(description="First addend.")
    b: float = Field(description="Second addend.")


class Output(ContractModel):
    """The addends and their sum."""

    a: float
    b: float
    sum: float


lambda_handler = node(handle, input=Input, output=Output)
