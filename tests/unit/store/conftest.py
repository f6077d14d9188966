"""Fixtures: the same RunStore contract on both backends (SQLite file; DynamoDB on moto)."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from orchestrator.store import DynamoRunStore, LocalRunStore, RunStore
from orchestrator.store.dynamodb_schema import create_table_kwargs, ttl_specification

TABLE = "flowctl-test-runs"


class Clock:
    """A settable clock (epoch seconds) so TTL behaviour is tested without sleeping."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()



@pytest.fixture(params=["local", "dynamodb"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_store(backend: str, tmp_path: Path, clock: Clock, request: pytest.FixtureRequest):
    """A factory of stores sharing one underlying database (two "processes", one table)."""
    if backend == "dynamodb":
        request.getfixturevalue("fake_aws")
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**create_table_kwargs(TABLE))
        client.update_time_to_live(TableName=TABLE, TimeToLiveSpecification=ttl_specification())

        def make(**options) -> RunStore:
            return DynamoRunStore(TABLE, client=client, clock=clock, **options)
    else:

        def make(**options) -> RunStore:
            return LocalRunStore(tmp_path / ".flowctl" / "runs.sqlite3", clock=clock, **options)

    return make


@pytest.fixture
def store(make_store) -> RunStore:
    return make_store()
