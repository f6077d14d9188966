"""Reconciliation report: one CSV line per row, a JSON summary and a short text summary.

Input::

    {"exact": [<pair>, ...],            # match_exact's matched pairs
     "fuzzy": [<pair>, ...],            # match_fuzzy's matched pairs (with "score")
     "unmatched_bank": [<row>, ...], "unmatched_ledger": [<row>, ...],
     "destination": "out/reconciliation"}      # local folder or s3://bucket/prefix

Output::

    {"summary": {"bank_rows": 1000, "ledger_rows": 990, "exact": 790, "fuzzy": 141,
                 "matched": 931, "unmatched_bank": 69, "unmatched_ledger": 59,
                 "match_rate": 93.1,            # % of bank rows matched
                 "amounts": {"matched": ..., "difference": ..., "unmatched_bank": ...,
                             "unmatched_ledger": ...}},
     "location": "<resolved destination>",
     "files": {"csv": ".../reconciliation.csv", "json": ".../summary.json",
               "text": ".../summary.txt"}}

Rows are ``{"id", "date", "reference", "counterparty", "amount"}``; a pair is
``{"bank": <id>, "ledger": <id>, "amount", "bank_date", "ledger_date", "reference"}`` plus, from
the fuzzy pass, ``ledger_amount`` (default: ``amount``), ``score`` and both counterparties.
Amounts are summed exactly (in cents): ``matched`` from the bank side, ``difference`` is bank
minus ledger over all pairs. The CSV (``reconciliation.csv``) has one line per pair or
unmatched row, with ``status`` ``exact``, ``fuzzy``, ``unmatched_bank`` or ``unmatched_ledger``.
Raises ``ReportError`` when the destination cannot be written or an amount is invalid.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from pydantic import Field

from orchestrator.io import StorageError, join_uri, resolve, write_text
from orchestrator.runtime import ContractModel, node

from shared.reconciliation import cents

COLUMNS = (
    "status", "score", "bank_id", "ledger_id", "bank_date", "ledger_date", "reference",
    "bank_counterparty", "ledger_counterparty", "bank_amount", "ledger_amount",
)
CSV_NAME, JSON_NAME, TEXT_NAME = "reconciliation.csv", "summary.json", "summary.txt"


class ReportError(Exception):
    """The report cannot be written, or a row has no valid amount."""


def _cents(amount: Any, what: Any) -> int:
    return cents(amount, repr(what), ReportError)


def _bank_cents(pair: dict[str, Any]) -> int:
    return _cents(pair.get("amount"), pair.get("bank"))


def _ledger_cents(pair: dict[str, Any]) -> int:
    amount = pair.get("ledger_amount")
    return _cents(pair.get("amount") if amount is None else amount, pair.get("ledger"))


def _row_cents(row: dict[str, Any]) -> int:
    return _cents(row.get("amount"), row.get("id"))


def summarise(exact: list[dict[str, Any]], fuzzy: list[dict[str, Any]], unmatched_bank: list[dict[str, Any]], unmatched_ledger: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts and amounts of a reconciliation (see the module contract)."""
    pairs = exact + fuzzy
    bank_rows = len(pairs) + len(unmatched_bank)
    return {
        "bank_rows": bank_rows,
        "ledger_rows": len(pairs) + len(unmatched_ledger),
        "exact": len(exact),
        "fuzzy": len(fuzzy),
        "matched": len(pairs),
        "unmatched_bank": len(unmatched_bank),
        "unmatched_ledger": len(unmatched_ledger),
        "match_rate": round(100 * len(pairs) / bank_rows, 1) if bank_rows else 0.0,
        "amounts": {
            "matched": sum(_bank_cents(p) for p in pairs) / 100,
            "difference": sum(_bank_cents(p) - _ledger_cents(p) for p in pairs) / 100,
            "unmatched_bank": sum(_row_cents(r) for r in unmatched_bank) / 100,
            "unmatched_ledger": sum(_row_cents(r) for r in unmatched_ledger) / 100,
        },
    }


def render_text(summary: dict[str, Any]) -> str:
    """The human summary written to ``summary.txt``."""
    amounts = summary["amounts"]
    return "\n".join([
        "Reconciliation summary",
        f"Bank rows:        {summary['bank_rows']}",
        f"Ledger rows:      {summary['ledger_rows']}",
        f"Matched:          {summary['matched']} ({summary['match_rate']}% of bank rows)",
        f"  exact:          {summary['exact']}",
        f"  fuzzy:          {summary['fuzzy']}",
        f"Unmatched bank:   {summary['unmatched_bank']} ({amounts['unmatched_bank']:,.2f})",
        f"Unmatched ledger: {summary['unmatched_ledger']} ({amounts['unmatched_ledger']:,.2f})",
        f"Matched amount:   {amounts['matched']:,.2f} (bank - ledger: {amounts['difference']:,.2f})",
        "",
    ])


def render_csv(exact: list[dict[str, Any]], fuzzy: list[dict[str, Any]], unmatched_bank: list[dict[str, Any]], unmatched_ledger: list[dict[str, Any]]) -> str:
    """One line per pair or unmatched row, under :data:`COLUMNS`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, restval="", extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for status, pairs in (("exact", exact), ("fuzzy", fuzzy)):
        for p in pairs:
            ledger_amount = p.get("ledger_amount")
            writer.writerow({
                **p, "status": status, "bank_id": p.get("bank"), "ledger_id": p.get("ledger"),
                "bank_amount": p.get("amount"),
                "ledger_amount": p.get("amount") if ledger_amount is None else ledger_amount,
            })
    for side, rows in (("bank", unmatched_bank), ("ledger", unmatched_ledger)):
        for row in rows:
            writer.writerow({
                "status": f"unmatched_{side}", f"{side}_id": row.get("id"), f"{side}_date": row.get("date"),
                "reference": row.get("reference"), f"{side}_counterparty": row.get("counterparty"),
                f"{side}_amount": row.get("amount"),
            })
    return out.getvalue()


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    destination = inputs.get("destination")
    if not destination:
        raise ReportError("input 'destination' is required: a local folder or s3://bucket/prefix")
    parts = [list(inputs.get(k) or []) for k in ("exact", "fuzzy", "unmatched_bank", "unmatched_ledger")]
    summary = summarise(*parts)
    try:
        files = {
            "csv": write_text(join_uri(destination, CSV_NAME), render_csv(*parts)),
            "json": write_text(join_uri(destination, JSON_NAME), json.dumps(summary, indent=2) + "\n"),
            "text": write_text(join_uri(destination, TEXT_NAME), render_text(summary)),
        }
    except StorageError as exc:
        raise ReportError(f"cannot write the report to {destination}: {exc}") from exc
    return {"summary": summary, "location": resolve(destination), "files": files}


class Input(ContractModel):
    """The matched pairs and the unmatched rows of both passes, and where to write."""

    exact: list[dict[str, Any]] = Field(default_factory=list, description="match_exact's matched pairs.")
    fuzzy: list[dict[str, Any]] = Field(default_factory=list, description="match_fuzzy's matched pairs.")
    unmatched_bank: list[dict[str, Any]] = Field(default_factory=list, description="Bank rows left unmatched.")
    unmatched_ledger: list[dict[str, Any]] = Field(default_factory=list, description="Ledger rows left unmatched.")
    destination: str = Field(description="Local folder or s3://bucket/prefix.")


class Output(ContractModel):
    """The summary and the files written."""

    summary: dict[str, Any]
    location: str
    files: dict[str, str]


lambda_handler = node(handle, input=Input, output=Output)
