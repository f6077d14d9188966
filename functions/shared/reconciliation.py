"""The reconciliation passes' shared pieces: exact amounts in cents and the result shape.

Amounts travel as text (``"-250.10"``) and are compared and summed as whole cents, never as
floats. Both matching passes (``match_exact``, ``match_fuzzy``) raise
:class:`ReconciliationInputError` for malformed rows and return :func:`outcome`.

Example::

    >>> cents("-250.10", "row 'B1'")
    -25010
    >>> outcome([{"bank": "B1", "ledger": "L1"}], [], [{"id": "L2"}])["counts"]
    {'matched': 1, 'unmatched_bank': 0, 'unmatched_ledger': 1}
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["ReconciliationInputError", "cents", "outcome", "row_cents"]


class ReconciliationInputError(Exception):
    """The input does not hold a bank and a ledger side, a row is malformed (no valid date or
    amount), or a parameter is out of range."""


def cents(amount: Any, owner: str, error: type[Exception] = ReconciliationInputError) -> int:
    """``amount`` (text or number) in whole cents; ``error("<owner> has no valid amount: ...")``
    when it is not a finite number."""
    try:
        return int((Decimal(str(amount)) * 100).to_integral_value())
    except (InvalidOperation, ValueError, OverflowError) as exc:
        raise error(f"{owner} has no valid amount: {amount!r}") from exc


def row_cents(row: dict[str, Any]) -> int:
    """The amount of a bank or ledger row in cents (:class:`ReconciliationInputError` if invalid)."""
    return cents(row.get("amount"), f"row {row.get('id')!r}")


def outcome(matched: list[dict[str, Any]], unmatched_bank: list[dict[str, Any]], unmatched_ledger: list[dict[str, Any]]) -> dict[str, Any]:
    """The output of a matching pass: the pairs, the rows left on each side, and their counts."""
    return {
        "matched": matched,
        "unmatched_bank": unmatched_bank,
        "unmatched_ledger": unmatched_ledger,
        "counts": {"matched": len(matched), "unmatched_bank": len(unmatched_bank), "unmatched_ledger": len(unmatched_ledger)},
    }
