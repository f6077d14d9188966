"""flowctl's SigV4 signature is botocore's: the same request, time and credentials give the same
Authorization header (botocore is installed in the dev venv; the node runtime does not need it)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotocoreCredentials

from orchestrator.store.sigv4 import Credentials, sign_request

NOW = datetime(2026, 12, 2, 3, 4, 5, tzinfo=UTC)
GET = {"TableName": "runs", "Key": {"PK": {"S": "RUN#r1"}, "SK": {"S": "RUN"}}, "ConsistentRead": True}
PUT = {"TableName": "runs", "Item": {"PK": {"S": "RUN#é"}, "SK": {"S": "STEP#a  b"}, "n": {"N": "3"}}}


def _botocore_headers(creds: Credentials, region: str, url: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
    request = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
    auth = SigV4Auth(BotocoreCredentials(creds.access_key, creds.secret_key, creds.token), "dynamodb", region)
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW.replace(tzinfo=None)):
        auth.add_auth(request)
    return {k.lower(): v for k, v in request.headers.items()}


@pytest.mark.parametrize(
    ("creds", "region", "url", "host", "operation", "params"),
    [
        (Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), "us-east-1",
         "https://dynamodb.us-east-1.amazonaws.com/", "dynamodb.us-east-1.amazonaws.com", "GetItem", GET),
        (Credentials("ASIATEMP", "secret/with+chars", "FwoGZXIvYXdzEJr//////////session=="), "eu-west-3",
         "https://dynamodb.eu-west-3.amazonaws.com/", "dynamodb.eu-west-3.amazonaws.com", "PutItem", PUT),
        (Credentials("testing", "testing", "testing"), "us-east-1",
         "http://127.0.0.1:4566/", "127.0.0.1:4566", "Query", {"TableName": "t", "KeyConditionExpression": "PK = :pk"}),
        (Credentials("AKID", "s3cr3t"), "cn-north-1",
         "https://dynamodb.cn-north-1.amazonaws.com.cn/", "dynamodb.cn-north-1.amazonaws.com.cn", "BatchWriteItem", {}),
    ],
)
def test_the_signature_is_the_one_botocore_computes(creds, region, url, host, operation, params):
    # GIVEN a DynamoDB request as flowctl's client sends it
    body = json.dumps(params, separators=(",", ":")).encode()
    headers = {"host": host, "content-type": "application/x-amz-json-1.0", "x-amz-target": f"DynamoDB_20120810.{operation}"}
    # WHEN flowctl and botocore sign it at the same time with the same credentials
    ours = sign_request(creds, region, "dynamodb", "POST", "/", headers, body, now=NOW)
    theirs = _botocore_headers(creds, region, url, headers, body)
    # THEN the signed headers, the date, the token and the Authorization header are the same
    assert ours["authorization"] == theirs["authorization"]
    assert ours["x-amz-date"] == theirs["x-amz-date"] == "20261202T030405Z"
    assert ours.get("x-amz-security-token") == theirs.get("x-amz-security-token") == creds.token
    assert f"Credential={creds.access_key}/20261202/{region}/dynamodb/aws4_request" in ours["authorization"]


def test_a_different_body_gives_a_different_signature():
    creds = Credentials("AKID", "secret")
    headers = {"host": "h", "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.GetItem"}
    one = sign_request(creds, "us-east-1", "dynamodb", "POST", "/", headers, b"{}", now=NOW)
    two = sign_request(creds, "us-east-1", "dynamodb", "POST", "/", headers, b"{ }", now=NOW)
    assert one["authorization"] != two["authorization"]


def test_credentials_never_show_their_secret():
    assert "secret" not in repr(Credentials("AKID", "secret", "token"))
