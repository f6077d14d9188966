"""Fixtures: the same RunStore contract on every backend: SQLite file; DynamoDB on moto through
botocore (moto's in-process mock); DynamoDB on a moto server through flowctl's own HTTP client."""

from __future__ import annotations

import uuid
from pathlib import Path

import boto3
import pytest

from orchestrator.store import DynamoRunStore, LocalRunStore, RunStore
from orchestrator.store.dynamodb_http import DynamoHttpClient
from orchestrator.store.dynamodb_schema import create_table_kwargs, ttl_specification
from orchestrator.store.sigv4 import Credentials

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



@pytest.fixture(params=["local", "dynamodb", "dynamodb-http"])
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
    elif backend == "dynamodb-http":
        endpoint = request.getfixturevalue("moto_endpoint")
        http_client = http_dynamodb(endpoint)
        table = f"{TABLE}-{uuid.uuid4().hex[:12]}"  # one moto server for the session: a table per test
        http_client.call("CreateTable", create_table_kwargs(table))
        http_client.call("UpdateTimeToLive", {"TableName": table, "TimeToLiveSpecification": ttl_specification()})

        def make(**options) -> RunStore:
            return DynamoRunStore(table, client=http_dynamodb(endpoint), clock=clock, **options)
    else:

        def make(**options) -> RunStore:
            return LocalRunStore(tmp_path / ".flowctl" / "runs.sqlite3", clock=clock, **options)

    return make


def http_dynamodb(endpoint: str, **options) -> DynamoHttpClient:
    """flowctl's own DynamoDB client on ``endpoint``, with test credentials and a session token."""
    return DynamoHttpClient(endpoint, "us-east-1", Credentials("testing", "testing", "session"), **options)


@pytest.fixture
def store(make_store) -> RunStore:
    return make_store()
