"""GIVEN an object of items WHEN it is parsed or counted THEN the items are those Distributed
Map's ItemReader reads (JSON array, JSON Lines, CSV with a header, MaxItems)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.io.items import count_items, item_source, parse_items

CSV = {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}


def test_csv_rows_become_objects_of_strings_and_blank_lines_are_skipped():
    assert parse_items("a,b\n1,2\n\n3\n", "CSV", CSV) == [{"a": "1", "b": "2"}, {"a": "3", "b": ""}]


def test_given_headers_and_max_items():
    config = {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["x"], "MaxItems": 2}
    assert parse_items("1\n2\n3\n", "CSV", config) == [{"x": "1"}, {"x": "2"}]


def test_json_must_be_an_array_and_jsonl_is_a_value_per_line():
    assert parse_items("[1, 2]", "JSON", {}) == [1, 2]
    assert parse_items('{"a": 1}\n\n2\n', "JSONL", {}) == [{"a": 1}, 2]
    with pytest.raises(ValueError, match="JSON array"):
        parse_items('{"a": 1}', "JSON", {})


@pytest.mark.parametrize(("name", "body", "config", "count"), [
    ("rows.csv", "id\n" + "".join(f"{i}\n" for i in range(1000)), CSV, 1000),
    ("rows.json", json.dumps(list(range(12))), {"InputType": "JSON", "MaxItems": 10}, 10),
    ("rows.jsonl", "1\n2\n\n3\n", {"InputType": "JSONL"}, 3),
])
def test_counting_a_project_file_gives_as_many_items_as_reading_it(tmp_path: Path, monkeypatch, name, body, config, count):
    # GIVEN a project file named the way the compiled ItemReader names it (bucket placeholder)
    (tmp_path / name).write_text(body)
    monkeypatch.setenv("FLOWCTL_PROJECT_DIR", str(tmp_path))
    # THEN it is counted as the engine reads it
    assert count_items("${ProjectDataBucket}", name, config) == count
    assert len(parse_items(body, config["InputType"], config)) == count
    assert item_source("${ProjectDataBucket}", name) == str(tmp_path / name)
    assert item_source("bucket", name) == f"s3://bucket/{name}"
