"""Errors of the run store, rooted in :class:`orchestrator.errors.FlowctlError`.

Backends translate their own failures (DynamoDB ``ConditionalCheckFailedException``, SQLite
constraint violations) into these, chaining the original with ``raise ... from exc``.
"""

from __future__ import annotations

from orchestrator.errors import FlowctlError, Problem

__all__ = [
    "ConditionFailedError",
    "InvalidCounterNameError",
    "InvalidNextTokenError",
    "RunAlreadyExistsError",
    "StoreError",
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
