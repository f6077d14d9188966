"""api-extract nodes: http_fetch (against a local HTTP server), transform_records,
write_partition."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import boto3
import pytest

AppLoader = Callable[[str], ModuleType]
DATA = Path(__file__).resolve().parents[2] / "data" / "api"
EXPECTED = json.loads((DATA / "expected.json").read_text())


# -- http_fetch ---------------------------------------------------------------------------------
def test_http_fetch_gets_the_records_of_a_day(app: AppLoader, fake_api_module: ModuleType) -> None:
    with fake_api_module.serving() as api:
        # WHEN one day of orders is fetched
        out = app("http_fetch").handle({"url": f"{api.base_url}/orders", "query": {"date": "2024-05-03"}})
    # THEN the API's records for that day come back with the status and final URL
    assert out["status"] == 200
    assert out["url"] == f"{api.base_url}/orders?date=2024-05-03"
    assert out["count"] == len(out["records"]) == EXPECTED["orders"]["2024-05-03"]["returned"]
    assert all(r["created_at"].startswith("2024-05-03") for r in out["records"])


def test_http_fetch_raises_a_client_error_for_4xx_which_the_flow_does_not_retry(app: AppLoader, fake_api_module: ModuleType) -> None:
    module = app("http_fetch")
    with fake_api_module.serving() as api:
        with pytest.raises(module.HttpClientError) as missing:
            module.handle({"url": f"{api.base_url}/invoices", "query": {"date": "2024-05-03"}})
        with pytest.raises(module.HttpClientError) as bad_request:
            module.handle({"url": f"{api.base_url}/orders"})
    assert missing.value.status == 404 and "unknown resource" in str(missing.value)
    assert bad_request.value.status == 400
    with pytest.raises(module.HttpClientError, match="only http"):
        module.handle({"url": "ftp://example.com/orders"})
    # Step Functions matches the class name: the flow's retry names HttpError, not HttpClientError
    flow = json.loads((Path(__file__).resolve().parents[2] / "flows" / "api-extract.json").read_text())
    assert "HttpClientError" not in flow["nodes"]["fetch"]["retry"]["errors"]


def test_http_fetch_fails_while_the_api_is_unavailable_then_succeeds(app: AppLoader, fake_api_module: ModuleType) -> None:
    # GIVEN an API that answers 503 twice
    module = app("http_fetch")
    inputs = {"url": "", "query": {"date": "2024-05-01"}}
    with fake_api_module.serving(fail_first=2) as api:
        inputs["url"] = f"{api.base_url}/customers"
        # WHEN fetched three times (what the flow's retry does)
        for _ in range(2):
            with pytest.raises(module.HttpError) as caught:
                module.handle(inputs)
            assert caught.value.status == 503
        out = module.handle(inputs)
    # THEN the third attempt gets the data
    assert out["status"] == 200 and out["count"] == EXPECTED["customers"]["2024-05-01"]["returned"]
    assert api.requests == 3


def test_http_fetch_turns_a_refused_connection_into_http_error(app: AppLoader, fake_api_module: ModuleType) -> None:
    module = app("http_fetch")
    with fake_api_module.serving() as api:
        url = f"{api.base_url}/orders"
    # the server is gone: its port refuses connections
    with pytest.raises(module.HttpError, match="failed") as caught:
        module.handle({"url": url, "timeout": 2})
    assert caught.value.status is None


def test_http_fetch_rejects_non_http_urls(app: AppLoader) -> None:
    module = app("http_fetch")
    with pytest.raises(module.HttpError, match="http"):
        module.handle({"url": "file:///etc/passwd"})


def test_http_fetch_extracts_lists_from_common_envelopes(app: AppLoader) -> None:
    module = app("http_fetch")
    assert module.extract_records([1, 2]) == [1, 2]
    assert module.extract_records({"data": [{"a": 1}]}) == [{"a": 1}]
    with pytest.raises(module.ResponseFormatError):
        module.extract_records({"total": 3})
    assert module.build_url("http://h/x?a=1", {"date": "2024-05-01", "skip": None}) == "http://h/x?a=1&date=2024-05-01"


# -- transform_records --------------------------------------------------------------------------
def test_transform_orders_types_and_normalises_fields(app: AppLoader) -> None:
    raw = [{"order_id": " O-1 ", "customer_id": "7", "created_at": "2024-05-01T01:16:00+07:00",
            "amount": "1,234.50", "currency": " thb", "status": "PAID", "items": "3"}]
    out = app("transform_records").handle({"records": raw, "source": "orders"})
    assert out == {"records": [{"order_id": "O-1", "customer_id": 7, "order_date": "2024-05-01",
                                "ordered_at": "2024-04-30T18:16:00Z", "amount": 1234.5, "currency": "THB",
                                "status": "paid", "items": 3}], "count": 1, "rejected": []}


def test_transform_orders_rejects_broken_and_duplicate_records(app: AppLoader) -> None:
    good = {"order_id": "O-1", "customer_id": 1, "created_at": "2024-05-01T10:00:00+07:00", "amount": "5"}
    raw = [good, dict(good), {**good, "order_id": "O-2", "amount": "N/A"}, {**good, "order_id": None}, "junk"]
    out = app("transform_records").handle({"records": raw, "source": "orders"})
    assert [r["order_id"] for r in out["records"]] == ["O-1"]
    assert [(r["index"], r["reason"]) for r in out["rejected"]] == [
        (1, "duplicate order_id 'O-1'"), (2, "amount 'N/A' is not a number"),
        (3, "order_id is missing"), (4, "a record must be an object, got str"),
    ]


def test_transform_customers_cleans_names_emails_and_dates(app: AppLoader) -> None:
    raw = [{"id": 3, "name": "  somchai  JAIDEE ", "email": "Somchai@Example.COM ", "country": "th",
            "signup_date": "14/03/2024", "updated_at": "2024-05-07T02:53:00+07:00"},
           {"id": 4, "name": "Ying", "email": "not-an-email"}]
    out = app("transform_records").handle({"records": raw, "source": "customers"})
    assert out["records"] == [{"customer_id": 3, "name": "Somchai Jaidee", "email": "somchai@example.com",
                               "country": "TH", "signup_date": "2024-03-14", "updated_at": "2024-05-06T19:53:00Z"}]
    assert out["rejected"] == [{"index": 1, "id": 4, "reason": "email 'not-an-email' is not an e-mail address"}]


def test_transform_counts_match_the_shipped_data(app: AppLoader) -> None:
    module = app("transform_records")
    orders = [o for o in json.loads((DATA / "orders.json").read_text()) if o["created_at"].startswith("2024-05-01")]
    out = module.handle({"records": orders, "source": "orders"})
    assert out["count"] == EXPECTED["orders"]["2024-05-01"]["rows"]
    assert len(out["rejected"]) == EXPECTED["orders"]["2024-05-01"]["rejected"]


def test_transform_rejects_an_unknown_source(app: AppLoader) -> None:
    module = app("transform_records")
    with pytest.raises(module.UnknownSourceError, match="invoices"):
        module.handle({"records": [], "source": "invoices"})


# -- write_partition ----------------------------------------------------------------------------
RECORDS = [{"order_id": "O-1", "amount": 5.0}, {"order_id": "O-2", "amount": 7.25, "note": "gift"}]


def test_write_partition_writes_jsonl_under_source_and_date(app: AppLoader, project_dir: Path) -> None:
    out = app("write_partition").handle({"records": RECORDS, "root": "out/lake", "source": "orders", "date": "2024-05-03"})
    target = project_dir / "out/lake/source=orders/date=20240503/part-0000.jsonl"
    assert out == {"rows": 2, "path": str(target), "format": "jsonl", "bytes": target.stat().st_size}
    assert [json.loads(line) for line in target.read_text().splitlines()] == RECORDS


def test_write_partition_csv_has_every_column(app: AppLoader, project_dir: Path) -> None:
    out = app("write_partition").handle({"records": RECORDS, "root": str(project_dir), "source": "orders", "date": "20240503", "format": "csv"})
    assert out["path"].endswith("source=orders/date=20240503/part-0000.csv")
    rows = list(csv.DictReader(io.StringIO(Path(out["path"]).read_text())))
    assert rows == [{"order_id": "O-1", "amount": "5.0", "note": ""}, {"order_id": "O-2", "amount": "7.25", "note": "gift"}]


def test_write_partition_rewrites_the_day_idempotently(app: AppLoader, project_dir: Path) -> None:
    module = app("write_partition")
    module.handle({"records": RECORDS, "root": "lake", "source": "orders", "date": "2024-05-03"})
    out = module.handle({"records": RECORDS[:1], "root": "lake", "source": "orders", "date": "2024-05-03T02:00:00+07:00"})
    assert out["rows"] == 1 and len(Path(out["path"]).read_text().splitlines()) == 1


def test_write_partition_to_s3(app: AppLoader, bucket: str) -> None:
    out = app("write_partition").handle({"records": RECORDS, "root": f"s3://{bucket}/lake", "source": "orders", "date": "2024-05-03"})
    assert out["path"] == f"s3://{bucket}/lake/source=orders/date=20240503/part-0000.jsonl"
    body = boto3.client("s3").get_object(Bucket=bucket, Key="lake/source=orders/date=20240503/part-0000.jsonl")["Body"].read()
    assert len(body.splitlines()) == 2


@pytest.mark.parametrize(("field", "value", "message"), [("date", "May 3", "date"), ("source", "../etc", "source"),
                                                         ("format", "parquet", "format"), ("root", "", "root")])
def test_write_partition_rejects_bad_names(app: AppLoader, project_dir: Path, field: str, value: str, message: str) -> None:
    module = app("write_partition")
    inputs = {"records": RECORDS, "root": "lake", "source": "orders", "date": "2024-05-03", field: value}
    with pytest.raises(module.PartitionError, match=message):
        module.handle(inputs)


def test_http_fetch_only_calls_allowed_hosts(app: AppLoader, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the allow-list of a deployment
    module = app("http_fetch")
    monkeypatch.setenv("HTTP_FETCH_ALLOWED_HOSTS", "api.example.com, *.corp.example, local:8443")
    # WHEN a run parameter names another host THEN nothing is fetched: a client error, not retried
    for url in ("http://169.254.169.254/latest/meta-data", "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next",
                "http://evil.example.com/x", "http://corp.example.evil/x", "https://local/x"):
        with pytest.raises(module.HttpClientError, match="not allowed"):
            module.handle({"url": url})
    for url in ("https://api.example.com/orders", "http://a.b.corp.example/x", "http://local:8443/x"):
        module.check_host(url, module.allowed_hosts())
    # AND an empty list (the template's default) allows nothing
    monkeypatch.setenv("HTTP_FETCH_ALLOWED_HOSTS", "")
    with pytest.raises(module.HttpClientError, match="not allowed"):
        module.handle({"url": "http://127.0.0.1:8765/orders"})
