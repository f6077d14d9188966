"""LiteFlow hello world: greet someone.

Input: ``{"name": "Ada"}`` (optional, default ``"World"``).
Output: ``{"message": "Hello, Ada!"}``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from orchestrator.runtime import ContractModel, node


def handle(inputs: dict[str, Any] | None, ctx: Any = None) -> dict[str, str]:
    name = (inputs or {}).get("name") or "World"
    return {"message": f"Hello, {name}!"}


class Input(ContractModel):
    """Who to greet."""

    name: str | None = Field("World", description="Name of the person to greet.")


class Output(ContractModel):
    """The greeting."""

    message: str = Field(description="'Hello, <name>!'")


lambda_handler = node(handle, input=Input, output=Output)
