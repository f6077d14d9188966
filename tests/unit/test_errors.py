"""One error shape: every flowctl error has message, where, hint, problems and code fields."""

from __future__ import annotations

import pickle

import pytest

from orchestrator.compiler.errors import CompileError
from orchestrator.deploy.errors import DeployError
from orchestrator.engine.errors import AslDefinitionError, StatesError
from orchestrator.errors import FlowctlError, Problem, StrictJsonError, headline
from orchestrator.flowlang.errors import FlowValidationError
from orchestrator.io.errors import StorageError
from orchestrator.service.errors import EventPublishError, ServiceError
from orchestrator.service.http import error_response
from orchestrator.store.errors import (
    DynamoDBError,
    InvalidCounterNameError,
    StoreError,
    StoreUnavailableError,
)


def test_an_error_with_where_or_hint_is_its_own_problem() -> None:
    error = CompileError("cycle: a -> b -> a", where="/nodes/a/after", hint="remove an edge")
    assert (error.message, error.where, error.hint, error.code) == ("cycle: a -> b -> a", "/nodes/a/after", "remove an edge", "")
    assert error.problems == [Problem("/nodes/a/after", "cycle: a -> b -> a", "remove an edge")]
    assert str(error) == error.headline == "/nodes/a/after: cycle: a -> b -> a"
    assert FlowctlError("plain").problems == []


def test_subclasses_keep_the_text_users_saw() -> None:
    assert str(DeployError("sam build failed", hint="run sam build")) == "sam build failed\n  hint: run sam build"
    definition = AslDefinitionError("'StartAt' must be a string", "/StartAt")
    assert str(definition) == "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: 'StartAt' must be a string at /StartAt'"
    assert (definition.where, definition.code) == ("/StartAt", "SCHEMA_VALIDATION_FAILED")
    invalid = FlowValidationError(where="flows/a.json", problems=[Problem("/nodes", "empty")])
    assert invalid.headline == "flows/a.json: 1 problem(s)" and invalid.source == "flows/a.json"
    assert str(invalid) == "flows/a.json: 1 problem(s)\n  /nodes: empty"
    assert str(StrictJsonError("duplicate key 'a'", where="")) == "/: duplicate key 'a'"
    assert StorageError("no such file", where="a.json").uri == "a.json"


def test_a_states_error_keeps_aws_error_and_cause() -> None:
    error = StatesError("States.TaskFailed", "boom")
    assert isinstance(error, FlowctlError)
    assert (error.error, error.cause, error.code, error.message) == ("States.TaskFailed", "boom", "States.TaskFailed", "boom")
    assert str(error) == "States.TaskFailed: boom"
    assert str(StatesError("States.Timeout")) == "States.Timeout"


def test_errors_survive_pickling_with_their_fields() -> None:
    error = pickle.loads(pickle.dumps(CompileError("bad", where="/x", hint="h")))
    assert (type(error), error.where, error.hint, str(error)) == (CompileError, "/x", "h", "/x: bad")
    states = pickle.loads(pickle.dumps(StatesError("E", "c")))
    assert (states.error, states.cause) == ("E", "c")


def test_store_and_service_failures_are_flowctl_errors() -> None:
    counter = InvalidCounterNameError("a-b")
    assert isinstance(counter, StoreError) and isinstance(counter, ValueError)
    publish = EventPublishError("ThrottlingException", "slow down")
    assert isinstance(publish, ServiceError)
    status, body = error_response(publish)
    assert status == 503
    assert body["message"] == "PutEvents failed: ThrottlingException: slow down"
    assert body["problems"][0]["hint"].startswith("retry later")


def test_run_table_failures_are_the_server_s_not_the_caller_s() -> None:
    # the store's own DynamoDB client raises flowctl errors; the API must not call them a 400
    refused = DynamoDBError("PutItem", "InternalServerError", "boom", {"Error": {"Code": "InternalServerError"}})
    assert error_response(refused)[0] == 500
    unreachable = StoreUnavailableError("https://dynamodb.eu-west-1.amazonaws.com", "GetItem", 3, "timed out")
    assert error_response(unreachable)[0] == 503


def test_headline_of_any_exception() -> None:
    assert headline(CompileError("bad", where="/x")) == "/x: bad"
    assert headline(OSError("disk full\nmore")) == "disk full"


@pytest.mark.parametrize("cls", [CompileError, DeployError, StorageError])
def test_where_and_hint_are_keywords(cls: type[FlowctlError]) -> None:
    with pytest.raises(TypeError):
        cls("/x", "message")  # type: ignore[misc]
