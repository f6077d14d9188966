"""GIVEN the shipped bank statement (1,000 rows) and ledger (990 rows) WHEN the reconciliation
flow (Open Workflow's two-source reconciliation) runs with `flowctl run` THEN exactly the known
pairs reconcile, the report is written, and the summary is sent by SES or left in an outbox."""

from __future__ import annotations

import csv
import json
from email import message_from_bytes
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "data"
SUMMARY = {
    "bank_rows": 1000, "ledger_rows": 990, "exact": 790, "fuzzy": 141, "matched": 931,
    "unmatched_bank": 69, "unmatched_ledger": 59, "match_rate": 93.1,
    "amounts": {"matched": -780158.45, "difference": 0.07, "unmatched_bank": -80494.44, "unmatched_ledger": -93247.37},
}
GROUND_TRUTH = json.loads((DATA / "reconciliation" / "ground_truth.json").read_text())


def report_rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "reconciliation.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def reconciled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """One run of the flow with its defaults (threshold 85, dates up to 3 days apart), shared by
    the tests that only read its output and report: (output, report folder)."""
    from typer.testing import CliRunner

    from orchestrator.cli.app import app

    folder = tmp_path_factory.mktemp("reconciliation")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLOWCTL_HOME", str(folder / "home"))
        patch.setenv("FLOWCTL_PROJECT_DIR", str(ROOT))
        patch.delenv("FLOWCTL_EMAIL_SENDER", raising=False)
        patch.chdir(ROOT)
        result = CliRunner().invoke(app, ["run", "flows/reconciliation.json", "-q", "-p", f"report_dir={folder / 'report'}"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), folder / "report"


def test_exactly_the_known_pairs_reconcile(reconciled: tuple[dict, Path]) -> None:
    output, report = reconciled
    # THEN the summary counts every row once
    assert output["summary"] == SUMMARY
    assert output["report"] == str(report)
    rows = report_rows(report)
    pairs = {(r["bank_id"], r["ledger_id"]): r for r in rows if r["status"] in ("exact", "fuzzy")}
    # AND every pair of the generator's ground truth is found, by the pass it expects
    expected = {(p["bank"], p["ledger"]): p["expected"] for p in GROUND_TRUTH["pairs"] if p["expected"] != "unmatched"}
    assert {key: row["status"] for key, row in pairs.items()} == expected
    # AND the rows left over are exactly the one-sided rows and the pairs too noisy to match
    too_noisy = [p for p in GROUND_TRUTH["pairs"] if p["expected"] == "unmatched"]
    assert {r["bank_id"] for r in rows if r["status"] == "unmatched_bank"} == set(GROUND_TRUTH["bank_only"]) | {p["bank"] for p in too_noisy}
    assert {r["ledger_id"] for r in rows if r["status"] == "unmatched_ledger"} == set(GROUND_TRUTH["ledger_only"]) | {p["ledger"] for p in too_noisy}


def test_a_typo_a_cent_and_two_days_still_match_fuzzily(reconciled: tuple[dict, Path]) -> None:
    pairs = {(r["bank_id"], r["ledger_id"]): r for r in report_rows(reconciled[1])}
    # GIVEN bank row BNK-0055: name mistyped, one cent more, posted two days after the ledger
    fuzzy = pairs[("BNK-0055", "GL-0035")]
    # THEN the fuzzy pass pairs it with GL-0035, scoring the names 95.5
    assert fuzzy == {
        "status": "fuzzy", "score": "95.5", "bank_id": "BNK-0055", "ledger_id": "GL-0035",
        "bank_date": "2024-01-07", "ledger_date": "2024-01-05", "reference": "INV-24-00770",
        "bank_counterparty": "TYRELL SYSTEMS PTY TLD", "ledger_counterparty": "Tyrell Systems Pty Ltd",
        "bank_amount": "20480.44", "ledger_amount": "20480.43",
    }
    # AND a pair with the same reference and amount matches exactly despite a truncated, mistyped name
    exact = pairs[("BNK-0002", "GL-0004")]
    assert (exact["status"], exact["reference"], exact["bank_amount"], exact["score"]) == ("exact", "INV-24-00677", "10670.34", "")


@pytest.mark.parametrize(
    ("bank", "ledger", "why"),
    [
        ("BNK-0001", None, "a bank service charge the ledger never booked"),
        ("BNK-0367", "GL-0358", "the bank deducted a fee, so the amounts differ"),
        ("BNK-0098", "GL-0061", "posted five days late without a reference (max_days is 3)"),
        (None, "GL-0851", "a ledger entry the bank has not paid"),
    ],
)
def test_rows_that_must_not_match_stay_unmatched(reconciled: tuple[dict, Path], bank: str | None, ledger: str | None, why: str) -> None:
    rows = report_rows(reconciled[1])
    if bank:
        assert [r["status"] for r in rows if r["bank_id"] == bank] == ["unmatched_bank"], why
    if ledger:
        assert [r["status"] for r in rows if r["ledger_id"] == ledger] == ["unmatched_ledger"], why


def test_the_report_files_and_the_local_outbox(run_flow, out_dir: Path) -> None:
    # GIVEN no e-mail sender configured (a local run)
    run = run_flow("reconciliation", "-p", f"report_dir={out_dir}", "-p", "email=ops@example.com")
    # THEN nothing is sent: the e-mail waits in the report folder's outbox
    assert run.output["sent"] is False
    assert sorted(p.name for p in out_dir.iterdir()) == ["reconciliation.csv", "report.eml", "summary.json", "summary.txt"]
    assert json.loads((out_dir / "summary.json").read_text()) == SUMMARY
    assert "Matched:          931 (93.1% of bank rows)" in (out_dir / "summary.txt").read_text()
    assert len(report_rows(out_dir)) == 931 + 69 + 59
    email = message_from_bytes((out_dir / "report.eml").read_bytes())
    assert email["To"] == "ops@example.com"
    assert email["Subject"] == "Reconciliation: 931 of 1000 bank rows matched"
    # (decoded: a long path is folded by quoted-printable's soft line breaks)
    assert f"Full report: {out_dir}" in email.get_payload(decode=True).decode()


def test_make_run_prints_the_summary_as_a_table(run_flow, out_dir: Path) -> None:
    # WHEN run the way `make run` does, with --table
    run = run_flow("reconciliation", "--table", "-p", f"report_dir={out_dir}")
    # THEN each figure is a row of the table
    assert run.exit_code == 0, run.stderr
    lines = {" ".join(line.replace("│", " ").split()) for line in run.stdout.splitlines()}
    assert {"summary.matched 931", "summary.unmatched_bank 69", "summary.amounts.difference 0.07", "sent false"} <= lines


def test_the_summary_is_sent_with_ses(run_flow, out_dir: Path, fake_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    # GIVEN a verified SES sender (moto) configured for the flow's functions
    boto3.client("ses").verify_email_identity(EmailAddress="reports@example.com")
    monkeypatch.setenv("FLOWCTL_EMAIL_SENDER", "reports@example.com")
    # WHEN the flow runs
    run = run_flow("reconciliation", "-p", f"report_dir={out_dir}")
    # THEN SES sent one e-mail with the summary to the default recipient
    assert run.output["sent"] is True
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert len(sent) == 1
    assert sent[0].source == "reports@example.com"
    assert sent[0].destinations["ToAddresses"] == ["finance@example.com"]
    assert sent[0].subject == "Reconciliation: 931 of 1000 bank rows matched"
    assert "matched: 931" in sent[0].body and f"Full report: {out_dir}" in sent[0].body
    assert not (out_dir / "report.eml").exists()


def test_a_refused_email_is_retried_then_fails_the_run(run_flow, store, out_dir: Path, fake_aws: None,
                                                       virtual_time: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a sender SES has not verified: SES refuses every e-mail
    monkeypatch.setenv("FLOWCTL_EMAIL_SENDER", "nobody@example.com")
    run = run_flow("reconciliation", "-p", f"report_dir={out_dir}")
    # THEN send-report is tried 3 times (its retry policy), and the run fails with a clear error
    assert run.exit_code == 1
    assert "EmailSendError: SES did not send the report to finance@example.com" in run.stderr
    steps = [s for s in store.get_run(run.run_id).steps if s.node == "send-report"]
    assert [(s.attempt, s.status, s.error) for s in steps] == [(n, "FAILED", "EmailSendError") for n in range(3)]
    # AND the report itself was written before
    assert (out_dir / "summary.json").exists()
