"""The eight backend hooks a run store implements, and what every store keeps (limits, clock).

:class:`StoreHooks` is the interface between the store's logic (:class:`~orchestrator.store.base.RunStore`
and :class:`~orchestrator.store.waiters.WaiterStore`) and a backend
(:class:`~orchestrator.store.dynamodb.DynamoRunStore`, :class:`~orchestrator.store.local.LocalRunStore`):
get, query, query by flow, put, conditional update, conditional delete, atomic pair delete and
atomic add, on the flat items of :mod:`orchestrator.store.items`. Every hook that can lose a race
is conditional and raises :class:`~orchestrator.store.errors.ConditionFailedError` when it
does not apply.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from orchestrator.constants import DEFAULT_INLINE_LIMIT_BYTES
from orchestrator.store import items as it
from orchestrator.store.models import format_time

__all__ = ["Offloader", "StoreHooks"]

Offloader = Callable[[Any, str], Any]
"""``offload(value, hint) -> small value`` (typically ``{"$ref": "s3://..."}``)."""


class StoreHooks(ABC):
    """The backend hooks, with the settings every store has.

    ``inline_limit``: JSON payloads (run input/output, step output) larger than this many bytes
    go through ``offload`` (when given) or are replaced by ``{"$omitted": true, "bytes": n}``.
    ``clock``: epoch seconds, injectable for tests.
    """

    def __init__(
        self,
        *,
        inline_limit: int = DEFAULT_INLINE_LIMIT_BYTES,
        offload: Offloader | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.inline_limit = inline_limit
        self.offload = offload
        self.clock = clock

    # ------------------------------------------------------------------ backend hooks
    @abstractmethod
    def _get_item(self, key: it.Key) -> it.Item | None:
        """The item with this (PK, SK), or None."""

    @abstractmethod
    def _query(self, pk: str, sk_prefix: str = "") -> list[it.Item]:
        """Every item of partition ``pk`` whose SK starts with ``sk_prefix``, SK ascending."""

    @abstractmethod
    def _query_flow(self, gsi1pk: str, limit: int, after: it.Item | None) -> list[it.Item]:
        """Up to ``limit`` runs with this GSI1PK, GSI1SK descending, strictly after ``after``
        (an item holding PK, SK, GSI1PK, GSI1SK of the last run of the previous page)."""

    @abstractmethod
    def _put_item(self, item: it.Item, *, if_absent: bool = False) -> None:
        """Write ``item``; with ``if_absent``, raise ConditionFailedError when its key exists."""

    @abstractmethod
    def _update_if_newer(
        self,
        key: it.Key,
        seq: int,
        set_always: it.Item,
        set_if_absent: it.Item,
        remove: Sequence[str],
    ) -> None:
        """Create or update the item when its ``status_seq`` is absent or lower than ``seq``:
        set ``set_always`` (which holds ``status_seq``), set each of ``set_if_absent`` only
        where the attribute is missing, delete ``remove``. Else raise ConditionFailedError."""

    @abstractmethod
    def _delete_item(self, key: it.Key) -> it.Item:
        """Delete the item and return it; raise ConditionFailedError when it does not exist."""

    @abstractmethod
    def _delete_items(self, keys: Sequence[it.Key]) -> None:
        """Delete every item atomically, only if all exist; else raise ConditionFailedError."""

    @abstractmethod
    def _add_counters(
        self, key: it.Key, counters: Mapping[str, int], set_if_absent: it.Item, returning: bool = True
    ) -> it.Item | None:
        """Atomically add ``counters`` to numeric attributes (missing = 0); return the item
        (None without ``returning``)."""

    def _put_batched(self, item: it.Item) -> None:
        """Write an item no condition depends on (a step record). A backend may queue it and
        write in batches, as long as its own reads see it; by default, one ``_put_item``."""
        self._put_item(item)

    def _iter_query(self, pk: str, sk_prefix: str) -> Iterator[it.Item]:
        """Like ``_query``, but may stream (backends override it to avoid one big list)."""
        yield from self._query(pk, sk_prefix)

    def now(self) -> str:
        return format_time(self.clock())
