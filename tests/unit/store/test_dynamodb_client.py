"""Which DynamoDB client a store makes for itself: flowctl's own where the environment holds
credentials and a region (a Lambda), botocore's otherwise and while moto's mock is active."""

from __future__ import annotations

import pytest

from orchestrator.store import store_from_env
from orchestrator.store.dynamodb_client import dynamodb_client, uses_http_client
from orchestrator.store.dynamodb_http import DynamoHttpClient
from orchestrator.store.errors import StoreError

LAMBDA_ENV = {
    "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "secret",
    "AWS_SESSION_TOKEN": "token",
    "AWS_REGION": "eu-west-1",
    "AWS_LAMBDA_FUNCTION_NAME": "hello",
    "FLOWCTL_TABLE": "runs",
}


def test_a_lambda_s_store_uses_flowctl_s_own_client():
    # GIVEN the environment Lambda gives a node function
    # WHEN the node runtime's store creates its client
    store = store_from_env(LAMBDA_ENV)
    assert store is not None
    client = dynamodb_client(LAMBDA_ENV)
    # THEN it is flowctl's client, on the region's endpoint, with the session's credentials
    assert isinstance(client, DynamoHttpClient)
    assert client.endpoint == "https://dynamodb.eu-west-1.amazonaws.com"
    assert client.credentials.token == "token"


@pytest.mark.parametrize(
    ("change", "http"),
    [
        ({}, True),
        ({"AWS_REGION": None, "AWS_DEFAULT_REGION": "us-east-2"}, True),
        ({"AWS_ACCESS_KEY_ID": None}, False),  # a profile, SSO, an instance role: botocore finds them
        ({"AWS_REGION": None}, False),
        ({"AWS_PROFILE": "dev"}, False),  # settings only botocore honours
        ({"AWS_USE_FIPS_ENDPOINT": "true"}, False),
        ({"HTTPS_PROXY": "http://proxy:3128"}, False),
        ({"FLOWCTL_DYNAMODB_CLIENT": "botocore"}, False),
        ({"FLOWCTL_DYNAMODB_CLIENT": "auto"}, True),
        ({"AWS_ACCESS_KEY_ID": None, "FLOWCTL_DYNAMODB_CLIENT": "http"}, True),
    ],
)
def test_the_environment_chooses_the_client(change, http):
    env = {k: v for k, v in {**LAMBDA_ENV, **change}.items() if v is not None}
    assert uses_http_client(env) is http


def test_an_unknown_client_choice_is_a_clear_error():
    with pytest.raises(StoreError) as raised:
        uses_http_client({**LAMBDA_ENV, "FLOWCTL_DYNAMODB_CLIENT": "boto"})
    assert raised.value.where == "FLOWCTL_DYNAMODB_CLIENT"


def test_flowctl_s_client_without_credentials_is_a_clear_error():
    env = {"FLOWCTL_DYNAMODB_CLIENT": "http", "AWS_REGION": "eu-west-1"}
    with pytest.raises(StoreError) as raised:
        dynamodb_client(env)
    assert "FLOWCTL_DYNAMODB_CLIENT=botocore" in (raised.value.hint or "")


def test_moto_s_mock_gets_botocore_s_client(fake_aws):
    # GIVEN moto's in-process mock (it intercepts botocore, not sockets) and credentials in the env
    import os

    assert os.environ["AWS_ACCESS_KEY_ID"]
    # WHEN a store creates its client
    client = dynamodb_client()
    # THEN it is botocore's, which moto answers
    assert not isinstance(client, DynamoHttpClient)
    assert client.meta.service_model.service_name == "dynamodb"
