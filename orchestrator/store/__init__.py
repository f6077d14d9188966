"""Run state: the :class:`RunStore` contract and its DynamoDB and embedded (SQLite) backends.

Example::

    >>> from orchestrator.store import LocalRunStore, Run
    >>> store = LocalRunStore(".flowctl/runs.sqlite3")
    >>> store.create_run(Run(run_id="r1", flow="hello"))
"""

from __future__ import annotations

from orchestrator.store.base import Offloader, RunStore
from orchestrator.store.dynamodb import DynamoRunStore
from orchestrator.store.exceptions import (
    ConditionFailedError,
    InvalidNextTokenError,
    RunAlreadyExistsError,
    StoreError,
)
from orchestrator.store.factory import local_store_path, store_from_env
from orchestrator.store.local import LocalRunStore
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

__all__ = [
    "ACTIVE_STATUSES",
    "TERMINAL_STATUSES",
    "BufferedEvent",
    "ConditionFailedError",
    "DynamoRunStore",
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
