"""orchestrator.io: whole-file reads and writes by URI, local or S3, relative paths resolved."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from orchestrator.io import (
    ObjectNotFoundError,
    StorageError,
    exists,
    join_uri,
    read_bytes,
    read_text,
    resolve,
    write_bytes,
    write_text,
)


def test_relative_paths_resolve_against_the_project_dir(project_dir: Path) -> None:
    # GIVEN FLOWCTL_PROJECT_DIR points at a project
    # WHEN a relative path is written and read back
    where = write_text("out/report/summary.txt", "812 exact")
    # THEN it lands inside the project, folders created, and reads back the same
    assert where == str(project_dir / "out" / "report" / "summary.txt")
    assert read_text("out/report/summary.txt") == "812 exact"
    assert exists("out/report/summary.txt")


def test_relative_paths_resolve_against_the_cwd_without_project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no FLOWCTL_PROJECT_DIR and a working directory
    monkeypatch.delenv("FLOWCTL_PROJECT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    # WHEN a relative path is resolved
    # THEN it is under the working directory
    assert resolve("data/x.csv") == str(tmp_path / "data" / "x.csv")


def test_an_explicit_base_wins_over_the_environment(project_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    assert resolve("a.txt", base=other) == str(other / "a.txt")
    assert resolve("/abs/a.txt") == "/abs/a.txt"
    assert resolve("file:///abs/b.txt") == "/abs/b.txt"


def test_a_missing_file_raises_object_not_found(project_dir: Path) -> None:
    with pytest.raises(ObjectNotFoundError) as caught:
        read_bytes("nope.bin")
    # THEN the error names the resolved path, for the user to fix
    assert str(project_dir / "nope.bin") in str(caught.value)
    assert not exists("nope.bin")


def test_text_is_read_as_utf8_without_bom(project_dir: Path) -> None:
    write_bytes("bom.csv", "\ufeffid,name\n1,Zoë\n".encode())
    assert read_text("bom.csv") == "id,name\n1,Zoë\n"
    write_bytes("latin.txt", b"caf\xe9")
    with pytest.raises(StorageError):
        read_text("latin.txt")


def test_s3_uris_read_and_write_objects(bucket: str) -> None:
    # GIVEN a bucket WHEN text is written to an s3:// URI
    where = write_text(f"s3://{bucket}/reports/summary.txt", "hello")
    # THEN the object exists with a guessed content type, and reads back
    assert where == f"s3://{bucket}/reports/summary.txt"
    head = boto3.client("s3").head_object(Bucket=bucket, Key="reports/summary.txt")
    assert head["ContentType"] == "text/plain"
    assert read_text(f"s3://{bucket}/reports/summary.txt") == "hello"
    assert exists(f"s3://{bucket}/reports/summary.txt")
    assert not exists(f"s3://{bucket}/reports/other.txt")


def test_a_missing_s3_object_raises_object_not_found(bucket: str) -> None:
    with pytest.raises(ObjectNotFoundError, match=f"s3://{bucket}/missing.json"):
        read_bytes(f"s3://{bucket}/missing.json")


def test_an_s3_project_dir_maps_relative_paths_to_s3(bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a project "folder" in S3 (a Lambda keeping a flow's relative paths)
    monkeypatch.setenv("FLOWCTL_PROJECT_DIR", f"s3://{bucket}/project/")
    # WHEN a relative path is written
    where = write_bytes("out/chart.png", b"\x89PNG")
    # THEN it is an object under that prefix
    assert where == f"s3://{bucket}/project/out/chart.png"
    assert read_bytes(f"s3://{bucket}/project/out/chart.png") == b"\x89PNG"


def test_join_uri_appends_parts_for_both_kinds() -> None:
    assert join_uri("s3://b/lake/", "source=orders", "part.jsonl") == "s3://b/lake/source=orders/part.jsonl"
    assert join_uri("/tmp/lake", "source=orders", "part.jsonl") == "/tmp/lake/source=orders/part.jsonl"


def test_a_bucketless_s3_uri_is_rejected() -> None:
    with pytest.raises(StorageError, match="bucket"):
        read_bytes("s3:///key")
