"""Reconciliation nodes: extract_csv, match_exact, match_fuzzy, build_report, send_report."""

from __future__ import annotations

import csv
import email
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

AppLoader = Callable[[str], ModuleType]


def row(id_: str, date: str, reference: str | None, counterparty: str, amount: str) -> dict[str, Any]:
    return {"id": id_, "date": date, "reference": reference, "counterparty": counterparty, "amount": amount}


# -- extract_csv --------------------------------------------------------------------------------
def test_extract_csv_reads_rows_as_trimmed_text_with_nulls(app: AppLoader, project_dir: Path) -> None:
    # GIVEN a CSV with padding, an empty cell and a blank line
    (project_dir / "bank.csv").write_text("id,date,reference,amount\n B1 ,2024-01-02,,-10.50\n\nB2,2024-01-03,INV-1,20\n")
    # WHEN it is extracted by its relative path
    out = app("extract_csv").handle({"path": "bank.csv", "source": "bank"})
    # THEN the rows are text, trimmed, with null for the empty cell
    assert out["source"] == "bank" and out["count"] == 2
    assert out["path"] == str(project_dir / "bank.csv")
    assert out["columns"] == ["id", "date", "reference", "amount"]
    assert out["rows"][0] == {"id": "B1", "date": "2024-01-02", "reference": None, "amount": "-10.50"}


def test_extract_csv_reports_a_missing_file(app: AppLoader, project_dir: Path) -> None:
    module = app("extract_csv")
    with pytest.raises(module.CsvFileError, match="missing.csv"):
        module.handle({"path": "missing.csv", "source": "bank"})


def test_extract_csv_reads_from_s3(app: AppLoader, bucket: str) -> None:
    boto3.client("s3").put_object(Bucket=bucket, Key="in/ledger.csv", Body=b"id,amount\nL1,5.00\n")
    out = app("extract_csv").handle({"path": f"s3://{bucket}/in/ledger.csv", "source": "ledger"})
    assert out["rows"] == [{"id": "L1", "amount": "5.00"}]


# -- match_exact --------------------------------------------------------------------------------
def test_match_exact_pairs_same_reference_and_amount_from_the_fan_in(app: AppLoader) -> None:
    # GIVEN the fan-in of two extract nodes (keyed by node id; sides known by their source)
    bank = [
        row("B1", "2024-01-04", "inv-1 ", "ACME", "100.00"),   # same ref (case/blanks) and amount
        row("B2", "2024-01-05", "INV-2", "GLOBEX", "50.01"),   # amount a cent off
        row("B3", "2024-01-05", None, "INITECH", "75.00"),     # no reference
    ]
    ledger = [
        row("L1", "2024-01-02", "INV-1", "Acme", "100.0"),
        row("L2", "2024-01-05", "INV-2", "Globex", "50.00"),
        row("L3", "2024-01-05", None, "Initech", "75.00"),
    ]
    inputs = {"extract-ledger": {"source": "ledger", "rows": ledger}, "extract-bank": {"source": "bank", "rows": bank}}
    # WHEN matched exactly
    out = app("match_exact").handle(inputs)
    # THEN only B1/L1 pair up, dates may differ, the rest is passed on whole
    assert out["matched"] == [{"bank": "B1", "ledger": "L1", "reference": "inv-1 ", "amount": "100.00",
                               "bank_date": "2024-01-04", "ledger_date": "2024-01-02"}]
    assert [r["id"] for r in out["unmatched_bank"]] == ["B2", "B3"]
    assert [r["id"] for r in out["unmatched_ledger"]] == ["L2", "L3"]
    assert out["counts"] == {"matched": 1, "unmatched_bank": 2, "unmatched_ledger": 2}


def test_match_exact_uses_each_ledger_row_once(app: AppLoader) -> None:
    bank = [row("B1", "2024-01-01", "R", "X", "1.00"), row("B2", "2024-01-01", "R", "X", "1.00")]
    ledger = [row("L1", "2024-01-01", "R", "X", "1.00")]
    out = app("match_exact").handle({"bank": bank, "ledger": ledger})
    assert [(p["bank"], p["ledger"]) for p in out["matched"]] == [("B1", "L1")]
    assert [r["id"] for r in out["unmatched_bank"]] == ["B2"]


def test_match_exact_needs_both_sides(app: AppLoader) -> None:
    module = app("match_exact")
    with pytest.raises(module.ReconciliationInputError, match="no ledger"):
        module.handle({"extract-bank": {"source": "bank", "rows": []}})


def test_match_exact_rejects_a_row_without_amount(app: AppLoader) -> None:
    module = app("match_exact")
    with pytest.raises(module.ReconciliationInputError, match="B9"):
        module.handle({"bank": [row("B9", "2024-01-01", "R", "X", "n/a")], "ledger": [row("L1", "2024-01-01", "R", "X", "1")]})


# -- match_fuzzy --------------------------------------------------------------------------------
def test_match_fuzzy_pairs_truncated_misspelt_names_within_tolerances(app: AppLoader) -> None:
    # GIVEN bank rows as a bank prints them (upper case, truncated, a typo) and the ledger's
    bank = [
        row("B1", "2024-01-05", None, "GEKKO PARTNERS COSNULT", "-9892.65"),   # typo + truncated, 2 days
        row("B2", "2024-01-10", None, "MASSIVE DYNAMIC LABS", "1855.76"),      # a cent off
        row("B3", "2024-01-20", None, "WAYNE ENTERPRISES INC", "500.00"),      # 5 days late: too far
        row("B4", "2024-01-21", None, "SERVICE CHARGE", "-7.90"),              # bank only
    ]
    ledger = [
        row("L1", "2024-01-03", "PAY-1", "Gekko & Partners Consulting", "-9892.65"),
        row("L2", "2024-01-10", "INV-2", "Massive Dynamic Labs", "1855.77"),
        row("L3", "2024-01-15", "INV-3", "Wayne Enterprises Inc.", "500.00"),
    ]
    # WHEN fuzzy-matched with the flow's defaults
    out = app("match_fuzzy").handle({"bank": bank, "ledger": ledger, "threshold": 85, "max_days": 3})
    # THEN the first two pair up with their score, days and difference; the others stay
    pairs = {(p["bank"], p["ledger"]): p for p in out["matched"]}
    assert set(pairs) == {("B1", "L1"), ("B2", "L2")}
    assert pairs[("B1", "L1")]["days"] == 2 and pairs[("B1", "L1")]["score"] >= 90
    assert pairs[("B1", "L1")]["reference"] == "PAY-1"
    assert pairs[("B2", "L2")]["difference"] == -0.01 and pairs[("B2", "L2")]["ledger_amount"] == "1855.77"
    assert [r["id"] for r in out["unmatched_bank"]] == ["B3", "B4"]
    assert [r["id"] for r in out["unmatched_ledger"]] == ["L3"]


def test_match_fuzzy_honours_threshold_and_max_days(app: AppLoader) -> None:
    module = app("match_fuzzy")
    bank = [row("B1", "2024-01-08", None, "WAYNE ENTERPRISES INC", "500.00")]
    ledger = [row("L1", "2024-01-03", None, "Wayne Enterprises Inc.", "500.00")]
    assert module.handle({"bank": bank, "ledger": ledger, "max_days": 5})["counts"]["matched"] == 1
    assert module.handle({"bank": bank, "ledger": ledger, "max_days": 4})["counts"]["matched"] == 0
    other = [row("L1", "2024-01-08", None, "Wonka Confectionery", "500.00")]
    assert module.handle({"bank": bank, "ledger": other})["counts"]["matched"] == 0


def test_match_fuzzy_prefers_the_better_name_for_the_same_amount(app: AppLoader) -> None:
    # GIVEN two ledger rows with the same amount and date, only one from the bank's counterparty
    bank = [row("B1", "2024-01-05", None, "NORTHWIND TRADERS", "120.00")]
    ledger = [row("L1", "2024-01-05", None, "Northwind Traders Ltd", "120.00"),
              row("L2", "2024-01-05", None, "Northwind Traders", "120.00")]
    out = app("match_fuzzy").handle({"bank": bank, "ledger": ledger})
    # THEN the exact name wins
    assert [(p["bank"], p["ledger"], p["score"]) for p in out["matched"]] == [("B1", "L2", 100.0)]


def test_match_fuzzy_similarity_tolerates_case_punctuation_and_truncation(app: AppLoader) -> None:
    similarity = app("match_fuzzy").similarity
    assert similarity("ACME SUPPLIES LTD", "Acme Supplies Ltd.") == 100
    assert similarity("UMBRELLA LOGISTICS GMB", "Umbrella Logistics GmbH") == 100
    assert similarity("ACME", "Globex Corporation") < 50
    assert similarity("", "Acme") == 0


def test_match_fuzzy_rejects_a_threshold_out_of_range(app: AppLoader) -> None:
    module = app("match_fuzzy")
    with pytest.raises(module.ReconciliationInputError, match="threshold"):
        module.handle({"bank": [], "ledger": [], "threshold": 150})


# -- build_report -------------------------------------------------------------------------------
REPORT_INPUT: dict[str, Any] = {
    "exact": [{"bank": "B1", "ledger": "L1", "reference": "INV-1", "amount": "100.00", "bank_date": "2024-01-04", "ledger_date": "2024-01-02"}],
    "fuzzy": [{"bank": "B2", "ledger": "L2", "score": 95.5, "days": 0, "difference": 0.01, "reference": "INV-2",
               "amount": "50.01", "ledger_amount": "50.00", "bank_date": "2024-01-05", "ledger_date": "2024-01-05",
               "bank_counterparty": "GLOBEX", "ledger_counterparty": "Globex"}],
    "unmatched_bank": [row("B3", "2024-01-06", None, "SERVICE CHARGE", "-7.90")],
    "unmatched_ledger": [row("L3", "2024-01-07", "CHQ-1", "Initech", "-250.00"), row("L4", "2024-01-07", "DEP-1", "Hooli", "80.10")],
}


def test_build_report_writes_csv_json_and_text_and_summarises(app: AppLoader, project_dir: Path) -> None:
    # WHEN a report is built into a relative folder
    out = app("build_report").handle({**REPORT_INPUT, "destination": "out/recon"})
    # THEN the summary has the counts and exact amounts
    assert out["summary"] == {
        "bank_rows": 3, "ledger_rows": 4, "exact": 1, "fuzzy": 1, "matched": 2,
        "unmatched_bank": 1, "unmatched_ledger": 2, "match_rate": 66.7,
        "amounts": {"matched": 150.01, "difference": 0.01, "unmatched_bank": -7.9, "unmatched_ledger": -169.9},
    }
    folder = project_dir / "out" / "recon"
    assert out["location"] == str(folder)
    assert out["files"] == {"csv": str(folder / "reconciliation.csv"), "json": str(folder / "summary.json"), "text": str(folder / "summary.txt")}
    # AND the CSV has one line per pair or unmatched row
    lines = list(csv.DictReader((folder / "reconciliation.csv").open()))
    assert [(r["status"], r["bank_id"], r["ledger_id"]) for r in lines] == [
        ("exact", "B1", "L1"), ("fuzzy", "B2", "L2"), ("unmatched_bank", "B3", ""),
        ("unmatched_ledger", "", "L3"), ("unmatched_ledger", "", "L4"),
    ]
    assert lines[1]["score"] == "95.5" and lines[1]["ledger_amount"] == "50.00"
    assert json.loads((folder / "summary.json").read_text()) == out["summary"]
    text = (folder / "summary.txt").read_text()
    assert "Matched:          2 (66.7% of bank rows)" in text and "Unmatched ledger: 2 (-169.90)" in text


def test_build_report_writes_to_s3(app: AppLoader, bucket: str) -> None:
    out = app("build_report").handle({**REPORT_INPUT, "destination": f"s3://{bucket}/reports/2024-01"})
    assert out["location"] == f"s3://{bucket}/reports/2024-01"
    keys = sorted(o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["reports/2024-01/reconciliation.csv", "reports/2024-01/summary.json", "reports/2024-01/summary.txt"]


def test_build_report_of_nothing_has_zero_rates(app: AppLoader, project_dir: Path) -> None:
    out = app("build_report").handle({"exact": [], "fuzzy": [], "unmatched_bank": [], "unmatched_ledger": [], "destination": "r"})
    assert out["summary"]["match_rate"] == 0.0 and out["summary"]["matched"] == 0


def test_build_report_needs_a_destination(app: AppLoader) -> None:
    module = app("build_report")
    with pytest.raises(module.ReportError, match="destination"):
        module.handle({**REPORT_INPUT, "destination": ""})


# -- send_report --------------------------------------------------------------------------------
SUMMARY = {"bank_rows": 3, "matched": 2, "amounts": {"matched": 150.01}}


def test_send_report_without_sender_writes_an_eml_next_to_the_report(app: AppLoader, project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no sender configured (a local run)
    monkeypatch.delenv("FLOWCTL_EMAIL_SENDER", raising=False)
    folder = project_dir / "out" / "recon"
    # WHEN the report is "sent"
    out = app("send_report").handle({"to": "finance@example.com", "summary": SUMMARY, "location": str(folder)})
    # THEN it is an .eml in the report folder, readable by any mail client
    assert out == {"sent": False, "outbox": str(folder / "report.eml"), "to": "finance@example.com"}
    message = email.message_from_bytes((folder / "report.eml").read_bytes())
    assert message["To"] == "finance@example.com"
    assert message["Subject"] == "Reconciliation: 2 of 3 bank rows matched"
    body = message.get_payload(decode=True).decode()
    assert "matched: 150.01" in body and f"Full report: {folder}" in body


def test_send_report_with_a_sender_uses_ses(app: AppLoader, aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a verified SES sender in the environment
    module = app("send_report")
    monkeypatch.setattr(module, "_ses", None)
    monkeypatch.setenv("FLOWCTL_EMAIL_SENDER", "reports@example.com")
    ses = boto3.client("ses")
    ses.verify_email_identity(EmailAddress="reports@example.com")
    # WHEN the report is sent
    out = module.handle({"to": "finance@example.com", "summary": SUMMARY, "location": "s3://b/r"})
    # THEN SES accepted it
    assert out["sent"] is True and out["message_id"] and out["to"] == "finance@example.com"
    assert ses.get_send_quota()["SentLast24Hours"] == 1


def test_send_report_raises_email_send_error_when_ses_refuses(app: AppLoader, aws: Any) -> None:
    # GIVEN a sender SES has not verified
    module = app("send_report")
    ses = boto3.client("ses")
    # WHEN sending THEN the error class is one the flow's retry sees
    with pytest.raises(module.EmailSendError, match="finance@example.com"):
        module.handle({"to": "finance@example.com", "summary": SUMMARY, "location": "x", "sender": "nobody@example.com"}, ses=ses)


def test_send_report_needs_a_recipient(app: AppLoader) -> None:
    module = app("send_report")
    with pytest.raises(module.ReportInputError):
        module.handle({"summary": SUMMARY, "location": "x"})
