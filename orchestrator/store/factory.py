"""Pick the run store from the environment (explicit arguments win).

``FLOWCTL_TABLE`` set → :class:`DynamoRunStore` on that table; ``FLOWCTL_STORE=local`` →
:class:`LocalRunStore` in ``FLOWCTL_HOME`` (default ``.flowctl``); otherwise no store (``None``):
callers such as ``@node`` then skip recording.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestrator.constants import (
    DEFAULT_HOME,
    FLOWCTL_HOME,
    FLOWCTL_STORE,
    FLOWCTL_TABLE,
    LOCAL_STORE_FILENAME,
)

if TYPE_CHECKING:
    from orchestrator.store.base import RunStore

__all__ = ["local_store_path", "store_from_env"]

def local_store_path(env: Mapping[str, str], home: Path | str | None = None) -> Path:
    """``<FLOWCTL_HOME or .flowctl>/runs.sqlite3``."""
    return Path(home or env.get(FLOWCTL_HOME) or DEFAULT_HOME) / LOCAL_STORE_FILENAME


def store_from_env(
    env: Mapping[str, str], *, dynamodb_client: Any = None, **options: Any
) -> RunStore | None:
    """The store configured by ``env``, or None when none is configured."""
    table = env.get(FLOWCTL_TABLE)
    if table:
        from orchestrator.store.dynamodb import DynamoRunStore  # boto3: only when configured

        return DynamoRunStore(table, client=dynamodb_client, **options)
    if env.get(FLOWCTL_STORE, "").lower() == "local":
        from orchestrator.store.local import LocalRunStore  # SQLite: only when configured

        return LocalRunStore(local_store_path(env), **options)
    return None
