"""Run state: the :class:`RunStore` contract and its DynamoDB and embedded (SQLite) backends.

Example::

    >>> from orchestrator.store import LocalRunStore, Run
    >>> store = LocalRunStore(".flowctl/runs.sqlite3")
    >>> store.create_run(Run(run_id="r1", flow="hello"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestrator.store.errors import (
    ConditionFailedError,
    InvalidCounterNameError,
    InvalidNextTokenError,
    RunAlreadyExistsError,
    StoreError,
)

if TYPE_CHECKING:
    from orchestrator.store.base import Offloader, RunStore
    from orchestrator.store.dynamodb import DynamoRunStore
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

_LAZY = {
    "Offloader": "base",
    "RunStore": "base",
    "DynamoRunStore": "dynamodb",
    "LocalRunStore": "local",
    "local_store_path": "factory",
    "store_from_env": "factory",
    **dict.fromkeys(
        ("ACTIVE_STATUSES", "TERMINAL_STATUSES", "BufferedEvent", "Run", "RunPage", "RunStatus", "Step",
         "Waiter", "format_time", "status_sequence"),
        "models",
    ),
}


def __getattr__(name: str) -> object:
    """Each name from its module on first use: a node Lambda without a store imports none of them
    (a cold start), one recording to DynamoDB does not import SQLite, and a local run does not
    import the DynamoDB client."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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
