"""GIVEN eight users with ID photos (good, faceless, mismatched, missing, corrupt, two faces)
WHEN the kyc flow (GoFlow's KYC verification) runs with `flowctl run` THEN each user is verified
or flagged for review for the right reasons, and the records are written; the kyc-verify
sub-flow runs alone on one user as well."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[3] / "data" / "kyc"
EXPECTED = json.loads((DATA / "expected.json").read_text())
REASONS = {
    "u001": [], "u002": [], "u007": [],
    "u003": ["no face detected", "face does not match the reference (similarity 0.00 < 0.80)"],
    "u004": ["face does not match the reference (similarity 0.38 < 0.80)"],
    "u005": ["image invalid: image file not found"],
    "u006": ["image invalid: corrupt or truncated image (Truncated File Read)"],
    "u008": ["2 faces detected (expected 1)", "face does not match the reference (similarity 0.00 < 0.80)"],
}


def users_file(folder: Path, *ids: str) -> Path:
    """A users file holding the shipped users ``ids`` (image paths made absolute)."""
    users = [
        {**u, "image": str(DATA / u["image"]), "reference": str(DATA / u["reference"])}
        for u in json.loads((DATA / "users.json").read_text()) if u["id"] in ids
    ]
    path = folder / "users.json"
    path.write_text(json.dumps(users))
    return path


def test_every_user_is_verified_or_flagged_for_the_right_reasons(run_flow, out_dir: Path) -> None:
    run = run_flow("kyc", "-p", f"out_dir={out_dir}")
    output = run.output
    # THEN three users pass and five go to a reviewer (the data's expected decisions)
    assert output["summary"] == {"total": 8, "verified": 3, "review": EXPECTED["review"]}
    assert [p["user_id"] for p in output["profiles"] if p["status"] == "verified"] == EXPECTED["verified"]
    # AND each profile says why
    assert {p["user_id"]: p["reasons"] for p in output["profiles"]} == REASONS
    by_id = {p["user_id"]: p for p in output["profiles"]}
    assert (by_id["u001"]["faces"], by_id["u001"]["similarity"]) == (1, 0.998)
    assert (by_id["u008"]["faces"], by_id["u004"]["similarity"]) == (2, 0.381)
    # AND a decision record and a profile are written per user, under out_dir
    assert sorted(p.name for p in (out_dir / "verified").iterdir()) == ["u001.json", "u002.json", "u007.json"]
    assert sorted(p.stem for p in (out_dir / "review").iterdir()) == EXPECTED["review"]
    assert len(list((out_dir / "profiles").iterdir())) == 8
    record = json.loads((out_dir / "review" / "u005.json").read_text())
    assert (record["status"], record["name"], record["reasons"]) == ("review", "Eli Cohen", REASONS["u005"])
    assert record["result"]["status"] == "fail" and record["recorded_at"].endswith("Z")
    assert by_id["u005"]["profile"] == str(out_dir / "profiles" / "u005.json")
    assert json.loads((out_dir / "profiles" / "u002.json").read_text())["status"] == "verified"


def test_the_threshold_parameter_moves_a_close_match_to_review(run_flow, out_dir: Path) -> None:
    # GIVEN u002 matches its reference at 0.987
    output = run_flow("kyc", "-p", f"out_dir={out_dir}", "-p", "threshold=0.99").output
    # THEN with a 0.99 threshold a reviewer must look at u002 too
    assert output["summary"]["verified"] == 2
    assert output["summary"]["review"] == ["u002", "u003", "u004", "u005", "u006", "u008"]
    assert {p["user_id"]: p["reasons"] for p in output["profiles"]}["u002"] == [
        "face does not match the reference (similarity 0.987 < 0.990)"
    ]


@pytest.mark.parametrize(("ids", "review"), [(("u001", "u007"), []), (("u001", "u004"), ["u004"])])
def test_the_review_list_is_a_list_whoever_is_in_it(run_flow, tmp_path: Path, out_dir: Path, ids: tuple[str, ...], review: list[str]) -> None:
    # GIVEN a batch in which nobody, or exactly one user, needs a reviewer
    output = run_flow("kyc", "-p", f"users_file={users_file(tmp_path, *ids)}", "-p", f"out_dir={out_dir}").output
    # THEN the summary still lists them (JSONata would otherwise give no value, or a bare string)
    assert output["summary"] == {"total": 2, "verified": 2 - len(review), "review": review}


def test_the_kyc_verify_sub_flow_on_one_user(run_flow, store, out_dir: Path) -> None:
    user = {"id": "u001", "name": "Ana Souza", "image": "data/kyc/images/u001.png", "reference": "data/kyc/images/u001-reference.png"}
    # WHEN kyc-verify runs alone on a user whose photo matches
    run = run_flow("kyc-verify", "--input", json.dumps({"user": user}), "-p", f"out_dir={out_dir}")
    # THEN the user is verified and the review branch is skipped
    assert run.output == {
        "user_id": "u001", "name": "Ana Souza", "status": "verified", "reasons": [],
        "similarity": 0.998, "faces": 1, "profile": str(out_dir / "profiles" / "u001.json"),
    }
    statuses = {s.node: s.status for s in store.get_run(run.run_id).steps}
    assert (statuses["mark-verified"], statuses["flag-review"]) == ("SUCCEEDED", "SKIPPED")
    record = json.loads((out_dir / "verified" / "u001.json").read_text())
    assert record["run_id"] == run.run_id and record["result"]["status"] == "pass"
    assert not (out_dir / "review").exists()


def test_the_kyc_verify_sub_flow_flags_two_faces(run_flow, out_dir: Path) -> None:
    user = {"id": "u008", "name": "Hana Sato", "image": "data/kyc/images/u008.png", "reference": "data/kyc/images/u008-reference.png"}
    output = run_flow("kyc-verify", "--input", json.dumps({"user": user, "out_dir": str(out_dir)})).output
    assert (output["status"], output["faces"], output["reasons"]) == ("review", 2, REASONS["u008"])
    assert json.loads((out_dir / "review" / "u008.json").read_text())["reasons"] == REASONS["u008"]
