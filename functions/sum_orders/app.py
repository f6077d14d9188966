"""Fan-out example: the fan-in of the priced orders (the full list, however many there are).

Input: ``{"orders": [<score_order output>, ...]}`` — an aggregated foreach's output arrives here
as the complete list, in the rows' order (``@node`` resolves the reference).
Output: ``{"count": n, "amount_cents": sum, "tax_cents": sum, "total_cents": sum,
"bands": {"small": n, ...}, "first": order_id, "last": order_id}``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from orchestrator.runtime import ContractModel, node


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    orders = inputs["orders"]
    bands: dict[str, int] = {}
    for order in orders:
        bands[order["band"]] = bands.get(order["band"], 0) + 1
    return {
        "count": len(orders),
        "amount_cents": sum(o["amount_cents"] for o in orders),
        "tax_cents": sum(o["tax_cents"] for o in orders),
        "total_cents": sum(o["total_cents"] for o in orders),
        "bands": dict(sorted(bands.items())),
        "first": orders[0]["order_id"] if orders else None,
        "last": orders[-1]["order_id"] if orders else None,
    }


class Input(ContractModel):
    """The priced orders: an aggregated foreach's full list."""

    orders: list[dict[str, Any]] = Field(description="score_order outputs, in the rows' order.")


class Output(ContractModel):
    """Count and sums of the orders, and how many fall in each size band."""

    count: int
    amount_cents: int
    tax_cents: int
    total_cents: int
    bands: dict[str, int]
    first: int | None
    last: int | None


lambda_handler = node(handle, input=Input, output=Output)
