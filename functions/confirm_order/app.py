"""Confirm a placed order: the first step of the `order-placed` flow, which an `OrderPlaced`
event from `shop.orders` starts (LiteFlow's publish_event story).

Input: ``{"order_id": "o-1001", "total": 120.5, "customer": "ana@example.com"}``.
Output: ``{"order_id", "status": "confirmed", "total", "shipping": "standard"|"free"}`` —
orders of 100 or more ship free.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from orchestrator.runtime import ContractModel, node

FREE_SHIPPING_FROM = 100


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    total = float(inputs["total"])
    if total <= 0:
        raise ValueError(f"order {inputs['order_id']}: the total must be positive, got {total}")
    return {
        "order_id": inputs["order_id"],
        "status": "confirmed",
        "total": total,
        "shipping": "free" if total >= FREE_SHIPPING_FROM else "standard",
    }


class Input(ContractModel):
    """The order placed."""

    order_id: str = Field(description="The order's id.")
    total: float = Field(description="Order total (must be positive).")
    customer: str = Field("", description="Who ordered.")


class Output(ContractModel):
    """The confirmed order and how it ships."""

    order_id: str
    status: Literal["confirmed"]
    total: float
    shipping: Literal["standard", "free"]


lambda_handler = node(handle, input=Input, output=Output)
