"""The run table's definition — the one place it is written down.

:func:`create_table_kwargs` feeds ``boto3`` ``create_table`` (tests on moto, scripts) and
:func:`cloudformation_properties` the ``AWS::DynamoDB::Table`` resource of the SAM template, so
both always agree with what :class:`~orchestrator.store.dynamodb.DynamoRunStore` expects:
string keys ``PK``/``SK``, one GSI ``GSI1`` (``GSI1PK``/``GSI1SK``, all attributes projected),
on-demand billing, TTL on ``expires_at`` (epoch seconds).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "GSI1_NAME",
    "TTL_ATTRIBUTE",
    "cloudformation_properties",
    "create_table_kwargs",
    "ttl_specification",
]

GSI1_NAME = "GSI1"
TTL_ATTRIBUTE = "expires_at"

_ATTRIBUTES = [
    {"AttributeName": name, "AttributeType": "S"} for name in ("PK", "SK", "GSI1PK", "GSI1SK")
]
_KEY_SCHEMA = [
    {"AttributeName": "PK", "KeyType": "HASH"},
    {"AttributeName": "SK", "KeyType": "RANGE"},
]
_GSIS = [
    {
        "IndexName": GSI1_NAME,
        "KeySchema": [
            {"AttributeName": "GSI1PK", "KeyType": "HASH"},
            {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }
]


def create_table_kwargs(table_name: str) -> dict[str, Any]:
    """Arguments of ``dynamodb.create_table`` for the run table (TTL is a separate call:
    ``update_time_to_live(TableName=..., TimeToLiveSpecification=ttl_specification())``)."""
    return {
        "TableName": table_name,
        "AttributeDefinitions": [dict(a) for a in _ATTRIBUTES],
        "KeySchema": [dict(k) for k in _KEY_SCHEMA],
        "GlobalSecondaryIndexes": [dict(g) for g in _GSIS],
        "BillingMode": "PAY_PER_REQUEST",
    }


def ttl_specification() -> dict[str, Any]:
    return {"Enabled": True, "AttributeName": TTL_ATTRIBUTE}


def cloudformation_properties() -> dict[str, Any]:
    """``Properties`` of the ``AWS::DynamoDB::Table`` resource (no hard-coded table name)."""
    return {
        "AttributeDefinitions": [dict(a) for a in _ATTRIBUTES],
        "KeySchema": [dict(k) for k in _KEY_SCHEMA],
        "GlobalSecondaryIndexes": [dict(g) for g in _GSIS],
        "BillingMode": "PAY_PER_REQUEST",
        "TimeToLiveSpecification": ttl_specification(),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
    }
