"""Reconciliation, pass 1: pair bank and ledger rows with the same reference and amount.

Input: the fan-in of the two extract nodes, keyed by node id; each side is recognised by its
``source`` (``bank`` or ``ledger``), so node ids do not matter::

    {"extract-bank":   {"source": "bank",   "rows": [{"id", "date", "reference", "counterparty", "amount"}, ...]},
     "extract-ledger": {"source": "ledger", "rows": [...]}}

``{"bank": <rows or extract output>, "ledger": <rows or extract output>}`` is accepted too.

Output::

    {"matched": [{"bank": "BNK-0002", "ledger": "GL-0004", "reference": "INV-24-00677",
                  "amount": "10670.34", "bank_date": "2024-01-04", "ledger_date": "2024-01-02"}, ...],
     "unmatched_bank": [<row>, ...], "unmatched_ledger": [<row>, ...],
     "counts": {"matched": 790, "unmatched_bank": 210, "unmatched_ledger": 200}}

A matched pair names its rows by ``id`` and keeps only what the report needs (both amounts are
equal by rule), so the output of a 1,000-row reconciliation stays well below the payload limit;
unmatched rows are passed on whole, for the fuzzy pass.

A match needs the same non-empty reference (case and blanks ignored) and the same amount to the
cent; dates may differ (banks post late). Each row is used at most once; unmatched rows keep
their input order. Raises ``ReconciliationInputError`` when a side is missing or a row has no
valid amount.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import ConfigDict, Field

from orchestrator.runtime import ContractModel, node

from shared.contracts import MatchOutput
from shared.reconciliation import ReconciliationInputError, outcome, row_cents

SIDES = ("bank", "ledger")


def split_sides(inputs: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The bank and ledger rows of ``inputs`` (see the module contract)."""
    sides: dict[str, list[dict[str, Any]]] = {}
    for key, value in (inputs or {}).items():
        if isinstance(value, dict) and isinstance(value.get("rows"), list):
            name = value.get("source") or key
            rows = value["rows"]
        elif isinstance(value, list):
            name, rows = key, value
        else:
            continue
        if name in SIDES:
            sides[name] = rows
    missing = [side for side in SIDES if side not in sides]
    if missing:
        raise ReconciliationInputError(
            f"no {' and no '.join(missing)} rows in the input (keys: {sorted(inputs or {})}); "
            "give extract outputs with source 'bank' and 'ledger'"
        )
    return sides


def reference(row: dict[str, Any]) -> str:
    """The row's reference, upper-cased with blanks removed ('' when missing)."""
    return "".join(str(row.get("reference") or "").split()).upper()


def match(bank: list[dict[str, Any]], ledger: list[dict[str, Any]]) -> dict[str, Any]:
    """Pair rows with equal reference and amount (see the module contract)."""
    index: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, row in enumerate(ledger):
        if ref := reference(row):
            index[(ref, row_cents(row))].append(i)
    used: set[int] = set()
    matched: list[dict[str, Any]] = []
    unmatched_bank: list[dict[str, Any]] = []
    for row in bank:
        ref = reference(row)
        candidates = index.get((ref, row_cents(row)), []) if ref else []
        if candidates:
            j = candidates.pop(0)
            used.add(j)
            other = ledger[j]
            matched.append({
                "bank": row.get("id"), "ledger": other.get("id"), "reference": row.get("reference"),
                "amount": row.get("amount"), "bank_date": row.get("date"), "ledger_date": other.get("date"),
            })
        else:
            unmatched_bank.append(row)
    return outcome(matched, unmatched_bank, [row for j, row in enumerate(ledger) if j not in used])


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    sides = split_sides(inputs)
    return match(sides["bank"], sides["ledger"])


class Input(ContractModel):
    """Both sides: the extract nodes' outputs keyed by node id, or {bank, ledger}."""

    model_config = ConfigDict(extra="allow")

    bank: Any = Field(None, description="Bank rows or extract_csv's output.")
    ledger: Any = Field(None, description="Ledger rows or extract_csv's output.")


lambda_handler = node(handle, input=Input, output=MatchOutput)
