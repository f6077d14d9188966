"""KYC nodes that record decisions: mark_verified, flag_review (one shared implementation in
shared.kyc), mark_profile, list_users, and combine_results' reasons."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

AppLoader = Callable[[str], ModuleType]
USER = {"id": "u004", "name": "Dara Nguyen"}
FAILED = {"user_id": "u004", "status": "fail", "reasons": ["face does not match the reference (similarity 0.38 < 0.80)"],
          "faces": 1, "confidence": 0.9, "similarity": 0.381}


class Ctx:
    run_id = "kyc-run-1"


@pytest.mark.parametrize(("name", "status"), [("mark_verified", "verified"), ("flag_review", "review")])
def test_a_decision_is_recorded_under_its_status(app: AppLoader, project_dir: Path, name: str, status: str) -> None:
    # WHEN a decision is recorded without out_dir
    out = app(name).handle({"user": USER, "result": FAILED}, Ctx())
    # THEN it lands in out/kyc/<status>/<id>.json, relative to the project
    where = project_dir / "out" / "kyc" / status / "u004.json"
    assert out == {"user_id": "u004", "status": status, "reasons": FAILED["reasons"], "record": str(where)}
    record = json.loads(where.read_text())
    assert (record["status"], record["name"], record["run_id"], record["result"]) == (status, "Dara Nguyen", "kyc-run-1", FAILED)


@pytest.mark.parametrize("name", ["mark_verified", "flag_review"])
def test_a_decision_record_needs_a_plain_user_id(app: AppLoader, project_dir: Path, name: str) -> None:
    module = app(name)
    with pytest.raises(module.RecordError, match="plain name"):
        module.handle({"user": {"id": "../escape"}, "result": FAILED})
    assert module.RecordError.__name__ == "RecordError"  # the error name retry/catch match on


def test_a_decision_record_goes_to_out_dir_even_on_s3(app: AppLoader, bucket: str) -> None:
    import boto3

    out = app("flag_review").handle({"user": USER, "result": FAILED, "out_dir": f"s3://{bucket}/kyc"})
    assert out["record"] == f"s3://{bucket}/kyc/review/u004.json"
    body = boto3.client("s3").get_object(Bucket=bucket, Key="kyc/review/u004.json")["Body"].read()
    assert json.loads(body)["reasons"] == FAILED["reasons"]


def test_mark_profile_writes_the_profile(app: AppLoader, project_dir: Path) -> None:
    out = app("mark_profile").handle({"user": USER, "result": FAILED, "verified": False, "out_dir": "kyc"})
    assert out == {"user_id": "u004", "name": "Dara Nguyen", "status": "review", "reasons": FAILED["reasons"],
                   "similarity": 0.381, "faces": 1, "profile": str(project_dir / "kyc" / "profiles" / "u004.json")}
    assert json.loads((project_dir / "kyc" / "profiles" / "u004.json").read_text())["updated_at"].endswith("Z")
    module = app("mark_profile")
    with pytest.raises(module.ProfileError, match="plain name"):
        module.handle({"user": {"id": "a b"}, "result": FAILED})


def test_list_users_reports_a_missing_file_and_bad_json(app: AppLoader, project_dir: Path) -> None:
    module = app("list_users")
    with pytest.raises(module.UsersFileError, match="input 'path' is required"):
        module.handle({})
    with pytest.raises(module.UsersFileError, match="cannot read users: .*nope.json"):
        module.handle({"path": "nope.json"})
    (project_dir / "bad.json").write_text("{")
    with pytest.raises(module.UsersFileError, match="not valid JSON"):
        module.handle({"path": "bad.json"})


@pytest.mark.parametrize(
    ("similarity", "threshold", "shown"),
    [(0.381, 0.8, "0.38 < 0.80"), (0.0, 0.8, "0.00 < 0.80"), (0.987, 0.99, "0.987 < 0.990"), (0.7996, 0.8, "0.7996 < 0.8000")],
)
def test_a_face_mismatch_shows_a_similarity_below_the_threshold(app: AppLoader, similarity: float, threshold: float, shown: str) -> None:
    detect = {"faces": 1, "confidence": 0.9, "reason": None}
    match = {"similarity": similarity, "match": False, "threshold": threshold, "reason": None}
    out = app("combine_results").handle({"user": USER, "detect": detect, "match": match})
    assert out["reasons"] == [f"face does not match the reference (similarity {shown})"]
