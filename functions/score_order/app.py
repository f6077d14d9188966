"""Fan-out example: price one order row of data/fanout/orders.csv (one foreach item).

Input: a CSV row, values as text: ``{"order_id": "7", "customer": "c007", "amount_cents": "55434"}``.
Output (~200 bytes): the order with its tax (7 %, rounded half up), total and size band::

    {"order_id": 7, "customer": "c007", "amount_cents": 55434, "tax_cents": 3880,
     "total_cents": 59314, "band": "large", "currency": "EUR", "note": "..."}
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from orchestrator.runtime import ContractModel, node

TAX_PERCENT = 7


def band(amount_cents: int) -> str:
    if amount_cents >= 50_000:
        return "large"
    return "medium" if amount_cents >= 10_000 else "small"


def handle(row: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    amount = int(row["amount_cents"])
    tax = (amount * TAX_PERCENT + 50) // 100
    return {
        "order_id": int(row["order_id"]),
        "customer": str(row["customer"]),
        "amount_cents": amount,
        "tax_cents": tax,
        "total_cents": amount + tax,
        "band": band(amount),
        "currency": "EUR",
        "note": f"order {row['order_id']} of customer {row['customer']}, taxed at {TAX_PERCENT} percent",
    }


class Input(ContractModel):
    """One order row of the CSV file, values as text (or already numbers)."""

    order_id: str | int = Field(description="The order's number.")
    customer: str = Field(description="The customer's id.")
    amount_cents: str | int = Field(description="The amount before tax, in cents.")


class Output(ContractModel):
    """The priced order."""

    order_id: int
    customer: str
    amount_cents: int
    tax_cents: int
    total_cents: int
    band: str = Field(description="small, medium or large.")
    currency: str
    note: str


lambda_handler = node(handle, input=Input, output=Output)
