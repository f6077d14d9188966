"""Clean and type raw API records of one source; reject the ones that cannot be fixed.

Input::

    {"records": [{...raw...}, ...], "source": "orders"}        # or "customers"

Output::

    {"records": [{...clean...}, ...], "count": 15,
     "rejected": [{"index": 12, "id": "O-100017", "reason": "amount 'N/A' is not a number"}]}

``orders`` become ``{"order_id", "customer_id", "order_date", "ordered_at", "amount",
"currency", "status", "items"}``: ``order_date`` is the local date of ``created_at``,
``ordered_at`` the same instant in UTC (``...Z``), ``amount`` a number rounded to cents (``"1,234.50"``
→ 1234.5), ``currency`` upper-case, ``status`` lower-case, ``items`` an integer. An order id
seen before is rejected as a duplicate.

``customers`` become ``{"customer_id", "name", "email", "country", "signup_date",
"updated_at"}``: blanks collapsed, name title-cased, e-mail lower-case (it must hold ``@``),
country upper-case, ``signup_date`` ISO (from ``YYYY-MM-DD`` or ``DD/MM/YYYY``), ``updated_at``
in UTC.

Raises ``UnknownSourceError`` for any other source.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import Field

from orchestrator.runtime import ContractModel, node


class UnknownSourceError(Exception):
    """The source has no transform."""


class RecordError(ValueError):
    """One record cannot be cleaned (it is rejected, not raised out of the node)."""


def _required(record: dict[str, Any], key: str) -> Any:
    value = record.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RecordError(f"{key} is missing")
    return value


def _text(value: Any) -> str:
    return " ".join(str(value).split())


def _instant(value: Any, key: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise RecordError(f"{key} {value!r} is not an ISO timestamp") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(value: Any, key: str) -> str:
    text = str(value).strip()
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return parse(text).isoformat()
        except ValueError:
            continue
    raise RecordError(f"{key} {value!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")


def _amount(value: Any) -> float:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as exc:
        raise RecordError(f"amount {value!r} is not a number") from exc
    if not amount.is_finite():
        raise RecordError(f"amount {value!r} is not a number")
    return float(amount.quantize(Decimal("0.01")))


def _integer(value: Any, key: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError as exc:
        raise RecordError(f"{key} {value!r} is not an integer") from exc


def order(raw: dict[str, Any]) -> dict[str, Any]:
    """One clean order (see the module contract)."""
    created = _instant(_required(raw, "created_at"), "created_at")
    return {
        "order_id": _text(_required(raw, "order_id")),
        "customer_id": _integer(_required(raw, "customer_id"), "customer_id"),
        "order_date": created.date().isoformat(),
        "ordered_at": _utc(created),
        "amount": _amount(_required(raw, "amount")),
        "currency": _text(raw.get("currency") or "").upper() or None,
        "status": _text(raw.get("status") or "").lower() or None,
        "items": _integer(raw.get("items") or 0, "items"),
    }


def customer(raw: dict[str, Any]) -> dict[str, Any]:
    """One clean customer (see the module contract)."""
    email = _text(_required(raw, "email")).lower()
    if "@" not in email:
        raise RecordError(f"email {email!r} is not an e-mail address")
    updated = raw.get("updated_at")
    return {
        "customer_id": _integer(_required(raw, "id"), "id"),
        "name": _text(_required(raw, "name")).title(),
        "email": email,
        "country": _text(raw.get("country") or "").upper() or None,
        "signup_date": _day(raw["signup_date"], "signup_date") if raw.get("signup_date") else None,
        "updated_at": _utc(_instant(updated, "updated_at")) if updated else None,
    }


TRANSFORMS: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], str]] = {
    "orders": (order, "order_id"),
    "customers": (customer, "customer_id"),
}


def transform(records: list[Any], source: str) -> dict[str, Any]:
    """Clean ``records`` of ``source`` (see the module contract)."""
    if source not in TRANSFORMS:
        raise UnknownSourceError(f"no transform for source {source!r}; known: {sorted(TRANSFORMS)}")
    clean_one, key = TRANSFORMS[source]
    clean: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    seen: set[Any] = set()
    for index, raw in enumerate(records):
        raw_id = raw.get("order_id" if source == "orders" else "id") if isinstance(raw, dict) else None
        try:
            if not isinstance(raw, dict):
                raise RecordError(f"a record must be an object, got {type(raw).__name__}")
            record = clean_one(raw)
            if record[key] in seen:
                raise RecordError(f"duplicate {key} {record[key]!r}")
        except RecordError as exc:
            rejected.append({"index": index, "id": raw_id, "reason": str(exc)})
            continue
        seen.add(record[key])
        clean.append(record)
    return {"records": clean, "count": len(clean), "rejected": rejected}


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    return transform(list(inputs.get("records") or []), str(inputs.get("source") or ""))


class Input(ContractModel):
    """Raw records of one source."""

    records: list[dict[str, Any]] = Field(default_factory=list, description="Raw API records.")
    source: Literal["orders", "customers"] = Field(description="Which source they come from.")


class Output(ContractModel):
    """Clean records and the rejected ones."""

    records: list[dict[str, Any]]
    count: int
    rejected: list[dict[str, Any]]


lambda_handler = node(handle, input=Input, output=Output)
