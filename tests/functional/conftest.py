"""Shared by the functional suites: the environment of a platform Lambda, with its run table."""

from __future__ import annotations

import boto3
import pytest

from orchestrator.store.dynamodb_schema import create_table_kwargs, ttl_specification

RUN_TABLE = "flowctl-runs"


@pytest.fixture
def run_table(fake_aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """A platform Lambda's environment on moto: the run table (with TTL) in ``FLOWCTL_TABLE``,
    Powertools quiet (no X-Ray), no local store, event bus or payload bucket. Its name."""
    for name, value in {
        "FLOWCTL_TABLE": RUN_TABLE,
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "flowctl-test",
        "POWERTOOLS_SERVICE_NAME": "flowctl-test",
    }.items():
        monkeypatch.setenv(name, value)
    for name in (
        "FLOWCTL_STORE",
        "FLOWCTL_EVENT_BUS",
        "FLOWCTL_PAYLOAD_BUCKET",
        "FLOWCTL_OFFLOAD_THRESHOLD",
    ):
        monkeypatch.delenv(name, raising=False)
    ddb = boto3.client("dynamodb")
    ddb.create_table(**create_table_kwargs(RUN_TABLE))
    ddb.update_time_to_live(TableName=RUN_TABLE, TimeToLiveSpecification=ttl_specification())
    return RUN_TABLE
