"""Run state: the :class:`RunStore` contract and its DynamoDB and embedded (SQLite) backends.

Example::

    >>> from orchestrator.store import LocalRunStore, Run
    >>> store = LocalRunStore(".flowctl/runs.sqlite3")
    >>> store.create_run(Run(run_id="r1", flow="hello"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestrator.store.base import Offloader, RunStore
from orchestrator.store.errors import (
    ConditionFailedError,
    InvalidCounterNameError,
    InvalidNextTokenError,
    RunAlreadyExistsError,
    StoreError,
)
from orchestrator.store.factory import local_store_path, store_from_env
from orchestrator.store.models import (
    ACTIVE_STATUSES,
    TERMINAL_STATUSES,
    BufferedEvent,
    Run,
    RunPage,
    RunStatus,
    Step,
    Waiter,
    format_time,
    status_sequence,
)

if TYPE_CHECKING:
    from orchestrator.store.dynamodb import DynamoRunStore
    from orchestrator.store.local import LocalRunStore


def __getattr__(name: str) -> object:
    """The backends on first use: a node Lambda recording to DynamoDB does not import SQLite,
    and a local run does not import the DynamoDB client."""
    if name == "DynamoRunStore":
        from orchestrator.store.dynamodb import DynamoRunStore

        return DynamoRunStore
    if name == "LocalRunStore":
        from orchestrator.store.local import LocalRunStore

        return LocalRunStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ACTIVE_STATUSES",
    "TERMINAL_STATUSES",
    "BufferedEvent",
    "ConditionFailedError",
    "DynamoRunStore",
    "InvalidCounterNameError",
    "InvalidNextTokenError",
    "LocalRunStore",
    "Offloader",
    "Run",
    "RunAlreadyExistsError",
    "RunPage",
    "RunStatus",
    "RunStore",
    "Step",
    "StoreError",
    "Waiter",
    "format_time",
    "local_store_path",
    "status_sequence",
    "store_from_env",
]
