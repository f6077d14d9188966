"""GIVEN a Map with an ItemReader WHEN run THEN its items come from the object (S3 on moto) or
the project's file, parsed as CSV, JSON or JSON Lines, and batched by ItemBatcher."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from orchestrator.engine import run_state_machine
from orchestrator.io import set_s3_client


def _map(reader: dict[str, Any], batcher: dict[str, Any] | None = None, query: str = "JSONata") -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Map",
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", **reader},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
            "StartAt": "Echo",
            "States": {"Echo": {"Type": "Pass", "End": True}},
        },
        "End": True,
    }
    if batcher:
        state["ItemBatcher"] = batcher
    return {"QueryLanguage": query, "StartAt": "Each", "States": {"Each": state}}


CSV = "id,name\n1,ann\n2,bob\n3,\"c, d\"\n"


@pytest.fixture
def bucket(fake_aws: None):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="data")
    set_s3_client(s3)
    yield s3
    set_s3_client(None)


def test_csv_rows_become_objects_of_strings(bucket):
    bucket.put_object(Bucket="data", Key="in/rows.csv", Body=CSV.encode())
    reader = {"ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
              "Arguments": {"Bucket": "data", "Key": "in/rows.csv"}}
    result = run_state_machine(_map(reader), {})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == [{"id": "1", "name": "ann"}, {"id": "2", "name": "bob"}, {"id": "3", "name": "c, d"}]


def test_json_and_json_lines_with_jsonpath_parameters_and_max_items(bucket):
    bucket.put_object(Bucket="data", Key="a.json", Body=b'[{"n": 1}, {"n": 2}, {"n": 3}]')
    bucket.put_object(Bucket="data", Key="a.jsonl", Body=b'{"n": 1}\n\n{"n": 2}\n')
    json_reader = {"ReaderConfig": {"InputType": "JSON", "MaxItems": 2},
                   "Parameters": {"Bucket": "data", "Key.$": "$.key"}}
    result = run_state_machine(_map(json_reader, query="JSONPath"), {"key": "a.json"})
    assert result.output == [{"n": 1}, {"n": 2}]
    lines = {"ReaderConfig": {"InputType": "JSONL"}, "Arguments": {"Bucket": "data", "Key": "{% $states.input.key %}"}}
    assert run_state_machine(_map(lines), {"key": "a.jsonl"}).output == [{"n": 1}, {"n": 2}]


def test_items_are_batched_by_the_item_batcher(bucket):
    bucket.put_object(Bucket="data", Key="rows.csv", Body=CSV.encode())
    reader = {"ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
              "Arguments": {"Bucket": "data", "Key": "rows.csv"}}
    result = run_state_machine(_map(reader, {"MaxItemsPerBatch": 2}), {})
    assert [len(batch["Items"]) for batch in result.output] == [2, 1]


def test_a_project_file_is_read_when_the_bucket_is_the_project_placeholder(tmp_path: Path, monkeypatch):
    # GIVEN the compiled form of items_from: data/rows.csv (bucket left as ${ProjectDataBucket})
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "rows.csv").write_text(CSV)
    monkeypatch.setenv("FLOWCTL_PROJECT_DIR", str(tmp_path))
    reader = {"ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
              "Arguments": {"Bucket": "${ProjectDataBucket}", "Key": "data/rows.csv"}}
    result = run_state_machine(_map(reader), {})
    assert [row["name"] for row in result.output] == ["ann", "bob", "c, d"]


def test_a_missing_or_malformed_object_fails_the_state_with_item_reader_failed(bucket):
    bucket.put_object(Bucket="data", Key="bad.json", Body=b'{"not": "a list"}')
    missing = run_state_machine(_map({"ReaderConfig": {"InputType": "JSON"},
                                      "Arguments": {"Bucket": "data", "Key": "nope.json"}}), {})
    assert missing.status == "FAILED" and missing.error == "States.ItemReaderFailed"
    assert "s3://data/nope.json" in missing.cause
    bad = run_state_machine(_map({"ReaderConfig": {"InputType": "JSON"},
                                  "Arguments": {"Bucket": "data", "Key": "bad.json"}}), {})
    assert bad.error == "States.ItemReaderFailed" and "JSON array" in bad.cause
