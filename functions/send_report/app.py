"""Send the reconciliation summary by e-mail (Amazon SES), or leave it in a local outbox.

Input::

    {"to": "finance@example.com",
     "summary": {...},                   # build_report's summary
     "location": "out/reconciliation",   # build_report's location (folder or s3:// prefix)
     "sender": "reports@example.com",    # optional; default: env FLOWCTL_EMAIL_SENDER
     "subject": "..."}                   # optional

Output, with a sender (SES ``send_email``)::

    {"sent": true, "message_id": "0100018f...", "to": "finance@example.com"}

Output without a sender (a local run): the e-mail is written as ``report.eml`` in ``location``::

    {"sent": false, "outbox": "<location>/report.eml", "to": "finance@example.com"}

Raises ``EmailSendError`` when SES refuses or fails (the flow retries it) and
``ReportInputError`` when ``to`` is missing. The SES client is created on first use.
"""

from __future__ import annotations

import os
from email.message import EmailMessage
from typing import Any

from pydantic import Field

from orchestrator.io import StorageError, join_uri, write_bytes
from orchestrator.runtime import ContractModel, node

SENDER_ENV = "FLOWCTL_EMAIL_SENDER"
OUTBOX_NAME = "report.eml"
LOCAL_SENDER = "flowctl@localhost"

_ses: Any = None


class ReportInputError(Exception):
    """The input lacks a recipient."""


class EmailSendError(Exception):
    """SES did not accept the e-mail, or the local outbox cannot be written."""


def _ses_client() -> Any:
    global _ses
    if _ses is None:
        import boto3

        _ses = boto3.client("ses")
    return _ses


def _format(value: Any, indent: str = "") -> list[str]:
    lines: list[str] = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(f"{indent}{key}:")
            lines.extend(_format(item, indent + "  "))
        else:
            lines.append(f"{indent}{key}: {item:,.2f}" if isinstance(item, float) else f"{indent}{key}: {item}")
    return lines


def compose(summary: dict[str, Any], location: str) -> tuple[str, str]:
    """The default subject and the plain-text body for ``summary``."""
    matched, bank_rows = summary.get("matched"), summary.get("bank_rows")
    subject = f"Reconciliation: {matched} of {bank_rows} bank rows matched"
    body = "\n".join(["Reconciliation summary", "", *_format(summary), "", f"Full report: {location}", ""])
    return subject, body


def handle(inputs: dict[str, Any], ctx: Any = None, *, ses: Any = None) -> dict[str, Any]:
    to = inputs.get("to")
    if not to:
        raise ReportInputError("input 'to' is required: the recipient's e-mail address")
    location = str(inputs.get("location") or "")
    subject, body = compose(inputs.get("summary") or {}, location)
    subject = inputs.get("subject") or subject
    sender = inputs.get("sender") or os.environ.get(SENDER_ENV)
    if sender:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = (ses or _ses_client()).send_email(
                Source=sender,
                Destination={"ToAddresses": [to]},
                Message={"Subject": {"Data": subject}, "Body": {"Text": {"Data": body}}},
            )
        except (ClientError, BotoCoreError) as exc:
            raise EmailSendError(f"SES did not send the report to {to}: {exc}") from exc
        return {"sent": True, "message_id": response["MessageId"], "to": to}
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = LOCAL_SENDER, to, subject
    message.set_content(body)
    try:
        outbox = write_bytes(join_uri(location or ".", OUTBOX_NAME), message.as_bytes())
    except StorageError as exc:
        raise EmailSendError(f"cannot write the e-mail to the outbox: {exc}") from exc
    return {"sent": False, "outbox": outbox, "to": to}


class Input(ContractModel):
    """Who gets the report and what it says."""

    to: str = Field(description="Recipient e-mail address.")
    summary: dict[str, Any] = Field(default_factory=dict, description="build_report's summary.")
    location: str = Field("", description="build_report's location.")
    sender: str | None = Field(None, description="Sender (default: env FLOWCTL_EMAIL_SENDER).")
    subject: str | None = Field(None, description="Subject line.")


class Output(ContractModel):
    """Sent through SES, or left in the local outbox."""

    sent: bool
    to: str
    message_id: str | None = None
    outbox: str | None = None


lambda_handler = node(handle, input=Input, output=Output)
