"""Reconciliation, pass 2: pair the rows left by the exact pass on counterparty similarity.

Input::

    {"bank": [<row>, ...], "ledger": [<row>, ...],   # rows: {"id", "date", "reference", "counterparty", "amount"}
     "threshold": 85,            # minimum counterparty score, 0-100
     "max_days": 3,              # largest date difference accepted
     "amount_tolerance": 0.01}   # optional: largest amount difference accepted

Output::

    {"matched": [{"bank": "BNK-0123", "ledger": "GL-0120", "score": 95.5, "days": 2, "difference": 0.01,
                  "reference": "PAY-24-00031",       # the bank's, else the ledger's (may be null)
                  "amount": "-250.10", "ledger_amount": "-250.11",
                  "bank_date": "2024-01-17", "ledger_date": "2024-01-15",
                  "bank_counterparty": "ACME SUPPLIES LTD", "ledger_counterparty": "Acme Supplies Ltd."}, ...],
     "unmatched_bank": [<row>, ...], "unmatched_ledger": [<row>, ...],
     "counts": {"matched": 141, "unmatched_bank": 69, "unmatched_ledger": 59}}

A pair is a candidate when the amounts differ by at most ``amount_tolerance`` and the dates by
at most ``max_days``; its score is the rapidfuzz similarity of the counterparty names after
lower-casing and dropping punctuation, also comparing the longer name cut to the length of the
shorter one (banks truncate names). Candidates scoring at least ``threshold`` are accepted
best first (score, then the plain ratio of the whole names, then fewer days, then smaller
difference), each row at most once.
``difference`` is bank minus ledger. Raises ``ReconciliationInputError`` on malformed rows.
"""

from __future__ import annotations

import bisect
from datetime import date
from typing import Any

from pydantic import Field
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from orchestrator.runtime import ContractModel, node

from shared.contracts import MatchOutput
from shared.reconciliation import ReconciliationInputError, cents, outcome, row_cents

MIN_PREFIX = 12
"""Names at least this long are also compared against the other name's prefix."""


def _normalise(name: Any) -> str:
    return " ".join(default_process(str(name or "")).split())


def _scores(a: Any, b: Any) -> tuple[float, float]:
    """(similarity, plain ratio of the whole names), both 0-100."""
    a, b = _normalise(a), _normalise(b)
    if not a or not b:
        return 0.0, 0.0
    plain = fuzz.ratio(a, b)
    short, long = sorted((a, b), key=len)
    score = max(plain, fuzz.ratio(short, long[: len(short)])) if len(short) >= MIN_PREFIX else plain
    return float(score), float(plain)


def similarity(a: Any, b: Any) -> float:
    """Counterparty similarity, 0-100, tolerant of case, punctuation, typos and truncation."""
    return _scores(a, b)[0]


def _day(row: dict[str, Any]) -> date:
    try:
        return date.fromisoformat(str(row.get("date"))[:10])
    except ValueError as exc:
        raise ReconciliationInputError(f"row {row.get('id')!r} has no valid date: {row.get('date')!r}") from exc


def match(
    bank: list[dict[str, Any]],
    ledger: list[dict[str, Any]],
    threshold: float = 85,
    max_days: int = 3,
    amount_tolerance: float = 0.01,
) -> dict[str, Any]:
    """Pair rows by similarity within the tolerances (see the module contract)."""
    if not 0 <= threshold <= 100:
        raise ReconciliationInputError(f"threshold must be between 0 and 100, got {threshold}")
    tolerance = cents(amount_tolerance, "amount_tolerance")
    ledger_keys = sorted((row_cents(row), j) for j, row in enumerate(ledger))
    ledger_cents = [c for c, _ in ledger_keys]
    ledger_days = [_day(row) for row in ledger]
    candidates: list[tuple[float, float, int, int, int, int]] = []
    for i, row in enumerate(bank):
        amount, day = row_cents(row), _day(row)
        lo = bisect.bisect_left(ledger_cents, amount - tolerance)
        hi = bisect.bisect_right(ledger_cents, amount + tolerance)
        for other, j in ledger_keys[lo:hi]:
            days = abs((day - ledger_days[j]).days)
            if days > max_days:
                continue
            score, plain = _scores(row.get("counterparty"), ledger[j].get("counterparty"))
            if score >= threshold:
                candidates.append((-score, -plain, days, abs(amount - other), i, j))
    candidates.sort()
    used_bank: set[int] = set()
    used_ledger: set[int] = set()
    pairs: list[tuple[int, dict[str, Any]]] = []
    for neg_score, _, days, _, i, j in candidates:
        if i in used_bank or j in used_ledger:
            continue
        used_bank.add(i)
        used_ledger.add(j)
        difference = (row_cents(bank[i]) - row_cents(ledger[j])) / 100
        b, g = bank[i], ledger[j]
        pairs.append((i, {
            "bank": b.get("id"), "ledger": g.get("id"), "score": round(-neg_score, 1), "days": days,
            "difference": difference, "reference": b.get("reference") or g.get("reference"),
            "amount": b.get("amount"), "ledger_amount": g.get("amount"),
            "bank_date": b.get("date"), "ledger_date": g.get("date"),
            "bank_counterparty": b.get("counterparty"), "ledger_counterparty": g.get("counterparty"),
        }))
    matched = [pair for _, pair in sorted(pairs, key=lambda p: p[0])]
    return outcome(
        matched,
        [row for i, row in enumerate(bank) if i not in used_bank],
        [row for j, row in enumerate(ledger) if j not in used_ledger],
    )


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    threshold = inputs.get("threshold")
    max_days = inputs.get("max_days")
    tolerance = inputs.get("amount_tolerance")
    return match(
        list(inputs.get("bank") or []),
        list(inputs.get("ledger") or []),
        threshold=85 if threshold is None else float(threshold),
        max_days=3 if max_days is None else int(max_days),
        amount_tolerance=0.01 if tolerance is None else float(tolerance),
    )


class Input(ContractModel):
    """The rows left by the exact pass and the tolerances."""

    bank: list[dict[str, Any]] = Field(default_factory=list, description="Unmatched bank rows.")
    ledger: list[dict[str, Any]] = Field(default_factory=list, description="Unmatched ledger rows.")
    threshold: float = Field(85, description="Minimum counterparty score, 0-100.")
    max_days: int = Field(3, description="Largest date difference accepted.")
    amount_tolerance: float = Field(0.01, description="Largest amount difference accepted.")


lambda_handler = node(handle, input=Input, output=MatchOutput)
