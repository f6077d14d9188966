"""Errors of the run store, rooted in :class:`orchestrator.errors.FlowctlError`.

Backends translate their own failures (DynamoDB ``ConditionalCheckFailedException``, SQLite
constraint violations) into these, chaining the original with ``raise ... from exc``.
"""

from __future__ import annotations

from typing import Any

from orchestrator.errors import FlowctlError, Problem

__all__ = [
    "ConditionFailedError",
    "DynamoDBError",
    "InvalidCounterNameError",
    "InvalidNextTokenError",
    "RunAlreadyExistsError",
    "StoreError",
    "StoreUnavailableError",
]


class StoreError(FlowctlError):
    """Base class of run store errors."""


class ConditionFailedError(StoreError):
    """A conditional write did not apply because the item changed (or exists, or is gone).

    Raised by backend hooks; :class:`~orchestrator.store.base.RunStore` turns it into a
    domain outcome (an existing run, an ignored stale status, a waiter already taken).
    """


class RunAlreadyExistsError(StoreError):
    """A run with this id exists and was not created with the same idempotency key."""

    def __init__(self, run_id: str) -> None:
        super().__init__(
            f"run {run_id!r} already exists",
            problems=[
                Problem(
                    f"/runs/{run_id}", "a run with this id exists", "use another idempotency key"
                )
            ],
        )
        self.run_id = run_id


class InvalidNextTokenError(StoreError):
    """A pagination token was not produced by this store (or was altered)."""

    def __init__(self) -> None:
        super().__init__(
            "invalid next_token",
            problems=[
                Problem(
                    "/next_token",
                    "not a token returned by a previous page",
                    "omit it to start over",
                )
            ],
        )


class InvalidCounterNameError(StoreError, ValueError):
    """A progress counter name that is not letters, digits and ``_`` (it becomes an attribute name)."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"counter names are letters, digits and '_': {name!r}",
            where="/counters",
            hint="name counters like 'succeeded' or 'failed_items'",
        )
        self.name = name


class DynamoDBError(StoreError):
    """DynamoDB refused a request of flowctl's own client
    (:class:`~orchestrator.store.dynamodb_http.DynamoHttpClient`).

    ``code`` is the error's name (``ConditionalCheckFailedException``...); ``response`` has the
    shape of botocore's ``ClientError.response`` (``{"Error": {"Code", "Message"},
    "ResponseMetadata": {...}}`` plus the error's own fields, e.g. ``CancellationReasons``), so
    the store reads both clients' errors the same way."""

    def __init__(self, operation: str, code: str, message: str, response: dict[str, Any]) -> None:
        super().__init__(f"DynamoDB {operation}: {code}: {message}", code=code)
        self.operation = operation
        self.response = response


class StoreUnavailableError(StoreError):
    """The DynamoDB endpoint could not be reached (or kept failing) after every attempt."""

    def __init__(self, endpoint: str, operation: str, attempts: int, reason: str) -> None:
        super().__init__(
            f"DynamoDB {operation} failed after {attempts} attempts at {endpoint}: {reason}",
            where=endpoint,
            hint="check the network and the endpoint (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, AWS_REGION)",
        )
        self.endpoint = endpoint
        self.operation = operation
