"""Foreach items inside ``@node``: aggregation items, progress counters, aggregate references.

The compiler puts a ``fanout`` entry in the payload context of every foreach body that is a
function: ``{"fanout": "<node key>", "aggregate": true?, "retry": {"errors", "max_attempts"}?,
"total": n?, "items_from": {...}?}``.
Per item, ``@node`` then

- on the first item (index 0; a batch is numbered by its first item): records the foreach's
  ``total`` progress counter once, from ``"total"`` (a literal list) or by counting the items
  of ``"items_from"`` (the Map's ItemReader ``{"Bucket", "Key", "ReaderConfig"}``);
- on success: adds ``succeeded: 1`` to the node's progress counters (atomic ADD) and, for an
  aggregated foreach, writes the output as the item ``SK=AGG#<key>#<index>`` and returns
  ``null`` (the Map collects only nulls; its own output is :func:`aggregate_ref`);
- with ``"batch": true`` (``batch_size`` on a function body) the input is a batch
  ``[{"input": ..., "index": n}, ...]``: the function is called once per item, the batch is
  counted and stored at once, and the Lambda returns the list of outputs (or ``null``);
- on failure: adds ``failed: 1`` when the failure is final (no retry of the body's policy
  applies any more; Lambda service errors never reach ``@node``).

A reference ``{"$ref": "agg://<run_id>/<key>"}`` resolves (:func:`load_aggregate`) to the list
of stored outputs in item order, every nested offloaded value resolved, built once.

Local runs register their run store per run id (:func:`register_store`): the node functions run
in-process and the environment names no store. In a Lambda the store comes from the environment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from orchestrator.errors import Problem
from orchestrator.records import FrozenRecord
from orchestrator.runtime.errors import AggregationError

__all__ = [
    "AGG_SCHEME",
    "AggregationError",
    "Fanout",
    "aggregate_ref",
    "load_aggregate",
    "parse_aggregate_uri",
    "register_store",
    "store_for",
]

AGG_SCHEME = "agg://"

_lock = threading.Lock()
_stores: dict[str, Any] = {}


@contextmanager
def register_store(run_id: str, store: Any) -> Iterator[None]:
    """Use ``store`` for the fan-out items of run ``run_id`` while the block runs (local runs)."""
    with _lock:
        _stores[run_id] = store
    try:
        yield
    finally:
        with _lock:
            if _stores.get(run_id) is store:
                del _stores[run_id]


def store_for(run_id: str, default: Any) -> Any:
    """The store registered for ``run_id``, else ``default`` (the environment's)."""
    return _stores.get(run_id, default)  # (a dict read needs no lock)


_FLAGS = frozenset({bool, type(None)})
_TOTALS = frozenset({int, type(None)})
_PLAIN: dict[tuple[Any, ...], Fanout] = {}
"""(node key, aggregate, batch, total) → the Fanout of a context with only those settings."""
_PLAIN_MAX = 1024


class Fanout(FrozenRecord):
    """The ``fanout`` part of a foreach item's payload context (written out as a frozen
    dataclass would make it: see :mod:`orchestrator.records`)."""

    _FIELDS = ("key", "aggregate", "retry_errors", "max_attempts", "batch", "total", "items_from")
    __slots__ = _FIELDS
    __match_args__: ClassVar[tuple[str, ...]] = _FIELDS

    key: str
    aggregate: bool
    retry_errors: tuple[str, ...]
    max_attempts: int
    batch: bool
    """The input is a batch ``[{"input": ..., "index": n}, ...]``: one call of the function each."""
    total: int | None
    """How many items the foreach has, when the compiler knows it (a literal list)."""
    items_from: dict[str, Any] | None
    """Where the foreach reads its items (``{"Bucket", "Key", "ReaderConfig"}``, its ItemReader)."""

    def __init__(self, key: str, aggregate: bool = False, retry_errors: tuple[str, ...] = (), max_attempts: int = 1,
                 batch: bool = False, total: int | None = None, items_from: dict[str, Any] | None = None) -> None:
        setter = object.__setattr__
        setter(self, "key", key)
        setter(self, "aggregate", aggregate)
        setter(self, "retry_errors", retry_errors)
        setter(self, "max_attempts", max_attempts)
        setter(self, "batch", batch)
        setter(self, "total", total)
        setter(self, "items_from", items_from)

    @classmethod
    def from_context(cls, context: dict[str, Any]) -> Fanout | None:
        key = context.get("fanout")
        if not isinstance(key, str) or not key:
            return None
        if "retry" in context or "items_from" in context:
            return cls._parse(key, context)
        # Every item of a foreach carries the same settings: without a retry policy or an item
        # reader they are a few plain values, and their Fanout is made once.
        aggregate, batch, total = context.get("aggregate"), context.get("batch"), context.get("total")
        if type(aggregate) not in _FLAGS or type(batch) not in _FLAGS or type(total) not in _TOTALS:
            return cls._parse(key, context)
        settings = (key, aggregate, batch, total)
        fanout = _PLAIN.get(settings)
        if fanout is None:
            fanout = cls._parse(key, context)
            if len(_PLAIN) < _PLAIN_MAX:
                _PLAIN[settings] = fanout
        return fanout

    @classmethod
    def _parse(cls, key: str, context: dict[str, Any]) -> Fanout:
        found = context.get("retry")
        retry: dict[str, Any] = found if isinstance(found, dict) else {}
        listed = retry.get("errors")
        errors: list[Any] = listed if isinstance(listed, list) else []
        try:
            attempts = max(1, int(retry.get("max_attempts") or 1))
        except (TypeError, ValueError):
            attempts = 1
        total = context.get("total")
        reader = context.get("items_from")
        return cls(key, bool(context.get("aggregate")), tuple(str(e) for e in errors), attempts,
                   bool(context.get("batch")), total if isinstance(total, int) and not isinstance(total, bool) else None,
                   reader if isinstance(reader, dict) else None)

    def is_final(self, error: str, attempt: int) -> bool:
        """Whether a failure with ``error`` at ``attempt`` (0-based) is the item's last."""
        if attempt + 1 >= self.max_attempts:
            return True
        retried = "States.ALL" in self.retry_errors or "States.TaskFailed" in self.retry_errors
        return not (retried or error in self.retry_errors)

    def started(self, store: Any, run_id: str, index: int) -> None:
        """The first item (or batch) records the foreach's ``total`` before its function runs,
        unless a total is there already (a local run's engine counts the items as the Map
        starts; a retry or redrive of the first item finds its own). Items read from an
        object are counted by reading it, as the ItemReader does: in the cloud nothing else
        knows how many there are (a Distributed Map does not tell its items)."""
        if store is None or index != 0 or (self.total is None and self.items_from is None):
            return
        if "total" in store.get_progress(run_id, self.key):
            return
        total = self.total
        if total is None and self.items_from is not None:
            from orchestrator.io.items import count_items

            reader = self.items_from
            config = reader.get("ReaderConfig")
            total = count_items(str(reader.get("Bucket") or ""), str(reader.get("Key") or ""),
                                config if isinstance(config, dict) else {})
        if total is not None:
            store.set_progress_total(run_id, self.key, total)

    def succeeded(self, store: Any, run_id: str, results: list[tuple[int, Any]]) -> Any:
        """Record succeeded items (``(index, output)``: one, or a batch); what the Lambda returns:
        ``None`` when aggregated, else the output (a batch: the list of outputs)."""
        if self.aggregate:
            if store is None:
                raise AggregationError(
                    f"foreach '{self.key}' aggregates its results but no run store is configured",
                    problems=[Problem(self.key, "no run store", "deploy with FLOWCTL_TABLE set, or run the flow with flowctl run")],
                )
            if len(results) == 1:
                store.put_result(run_id, self.key, *results[0])
            else:
                store.put_results(run_id, self.key, results)
        if store is not None:
            store.count_progress(run_id, self.key, {"succeeded": len(results)})
        if self.aggregate:
            return None
        return [output for _, output in results] if self.batch else results[0][1]

    def failed(self, store: Any, run_id: str, error: str, attempt: int, items: int = 1) -> None:
        if store is not None and self.is_final(error, attempt):
            store.count_progress(run_id, self.key, {"failed": items})


def aggregate_ref(run_id: str, key: str) -> dict[str, str]:
    """``{"$ref": "agg://<run_id>/<key>"}``: what an aggregated foreach outputs."""
    return {"$ref": f"{AGG_SCHEME}{run_id}/{key}"}


def parse_aggregate_uri(uri: str) -> tuple[str, str]:
    """``(run_id, key)`` of ``agg://<run_id>/<key>``."""
    run_id, _, key = uri[len(AGG_SCHEME):].partition("/")
    if not uri.startswith(AGG_SCHEME) or not run_id or not key:
        raise AggregationError(f"bad aggregate reference {uri!r}", problems=[Problem(uri, "expected agg://<run_id>/<node>")])
    return run_id, key


def load_aggregate(uri: str, store: Any, resolve_item: Callable[[Any], Any] = lambda v: v) -> list[Any]:
    """The outputs an aggregated foreach stored, in item order, each passed through
    ``resolve_item`` (offloaded values) as it is read: the list is built once."""
    run_id, key = parse_aggregate_uri(uri)
    store = store_for(run_id, store)
    if store is None:
        raise AggregationError(
            f"{uri} needs the run store that holds it",
            problems=[Problem(uri, "no run store", "configure FLOWCTL_TABLE (cloud) or run the flow with flowctl run")],
        )
    return [resolve_item(value) for value in store.iter_results(run_id, key)]
