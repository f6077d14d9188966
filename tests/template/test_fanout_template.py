"""GIVEN the committed template.yaml THEN the fan-out example gets exactly what it needs: its
state machine reads the items file (the payload bucket bound to ProjectDataBucket), and only the
function that receives the aggregated results may read the run table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _template() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "template.yaml").read_text())


def test_the_state_machine_reads_its_items_from_the_payload_bucket() -> None:
    machine = _template()["Resources"]["OrderTotalsStateMachine"]["Properties"]
    assert machine["DefinitionSubstitutions"]["ProjectDataBucket"] == {"Ref": "PayloadBucket"}
    assert {"S3ReadPolicy": {"BucketName": {"Ref": "PayloadBucket"}}} in machine["Policies"]


def test_only_the_fan_in_function_reads_the_run_table() -> None:
    resources = _template()["Resources"]

    def reads(function: str) -> bool:
        return {"DynamoDBReadPolicy": {"TableName": {"Ref": "RunTable"}}} in resources[function]["Properties"]["Policies"]

    assert reads("SumOrdersFunction")
    assert not reads("ScoreOrderFunction")
    assert not reads("ProcessItemFunction")
