"""The writer queue of the embedded (SQLite) run store, and the SQLite helpers it shares with
:mod:`orchestrator.store.local`.

One :class:`BatchWriter` per database file and process: a thread takes what was queued — step
records (rows to upsert) and progress-counter additions (:class:`CounterAdd`) — and commits up to
``batch_size`` of them per transaction, at the latest ``interval`` seconds after the first one
was queued. A foreach item then costs its share of one transaction instead of a transaction of
its own (its counter) plus a wait for the queue (issue 14).

Counter additions stay atomic across threads and processes: the writer thread reads the
counter item, adds, and writes it back inside its ``BEGIN IMMEDIATE`` transaction. The value
:meth:`BatchWriter.add_counters` returns is the committed one plus every addition of this
process still queued (exact when this process is the only one counting that node, as in a
local run; another process's additions show once they are committed).

:meth:`BatchWriter.flush` waits until everything queued so far is committed; every read and
conditional write of the store calls it first. The queues are flushed when the process exits
normally.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orchestrator.json_text import json_encoder
from orchestrator.store import items as it

__all__ = ["UPSERT", "BatchWriter", "CounterAdd", "add_counters", "item_of", "open_connection", "read_item", "row",
           "transaction"]

LOCK_TIMEOUT = 30.0
_IDLE_SECONDS = 10.0
"""A writer thread with nothing to write for this long ends (and closes its connection)."""

UPSERT = "INSERT OR REPLACE INTO items (pk, sk, gsi1pk, gsi1sk, body, output_json) VALUES (?, ?, ?, ?, ?, ?)"
TEXT_ATTRIBUTE = "output_json"
"""The attribute an item keeps in a column of its own, as the text it is: a step's (or a run's,
or a result's) output is JSON text already, and inside the body it would be escaped and
unescaped again."""


ROWS_PER_STATEMENT = 100
"""Rows of one queued batch per INSERT statement: SQLite releases the GIL once per statement
(not once per row), so the writer thread and the run's threads hand it over less often."""


@functools.lru_cache(maxsize=128)
def _upsert_rows(count: int) -> str:
    """:data:`UPSERT` of ``count`` rows (``count`` is at most :data:`ROWS_PER_STATEMENT`)."""
    return UPSERT.replace("(?, ?, ?, ?, ?, ?)", ", ".join(["(?, ?, ?, ?, ?, ?)"] * count))


_encode_body = json_encoder()
"""``json.dumps``, made once: an item's body is written for every step."""


def row(item: it.Item) -> tuple[Any, ...]:
    """The parameters of :data:`UPSERT` for ``item`` (its :data:`TEXT_ATTRIBUTE` apart)."""
    text = item.get(TEXT_ATTRIBUTE)
    if text is not None:
        item = item.copy()
        del item[TEXT_ATTRIBUTE]
    return (item["PK"], item["SK"], item.get("GSI1PK"), item.get("GSI1SK"), _encode_body(item), text)


def item_of(body: str, text: str | None) -> it.Item:
    """The item of a row's ``body`` and ``output_json`` columns (a row written before that column
    existed keeps the attribute in its body)."""
    item: it.Item = json.loads(body)
    if text is not None:
        item[TEXT_ATTRIBUTE] = text
    return item


def read_item(conn: sqlite3.Connection, key: it.Key) -> it.Item | None:
    found = conn.execute("SELECT body, output_json FROM items WHERE pk = ? AND sk = ?", key).fetchone()
    return item_of(*found) if found else None


def add_counters(item: it.Item, counters: Mapping[str, int], set_if_absent: Mapping[str, Any]) -> it.Item:
    """``item`` with ``set_if_absent``'s attributes where missing and ``counters`` added (in place)."""
    for name, value in set_if_absent.items():
        item.setdefault(name, value)
    for name, amount in counters.items():
        item[name] = int(item.get(name, 0)) + int(amount)
    return item


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (``BEGIN IMMEDIATE``: one writer at a time), rolled back on error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def open_connection(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL with
    ``synchronous=NORMAL``: a commit survives a crash of the process; a power loss may undo the
    last commits except those made durable (see :meth:`LocalRunStore._connect`)."""
    conn = sqlite3.connect(path, timeout=LOCK_TIMEOUT, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(LOCK_TIMEOUT * 1000)}")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


class CounterAdd:
    """A queued addition to the progress counters of one item. While it waits in the queue,
    later additions to the same item are added to it (one read and write per item and batch)."""

    __slots__ = ("counters", "key", "set_if_absent")

    def __init__(self, key: it.Key, counters: Mapping[str, int], set_if_absent: Mapping[str, Any]) -> None:
        self.key = key
        self.counters = dict(counters)
        self.set_if_absent = dict(set_if_absent)

    def merge(self, counters: Mapping[str, int], set_if_absent: Mapping[str, Any]) -> None:
        for name, value in set_if_absent.items():
            self.set_if_absent.setdefault(name, value)
        for name, amount in counters.items():
            self.counters[name] = self.counters.get(name, 0) + int(amount)


def _write_batch(conn: sqlite3.Connection, batch: list[Any]) -> None:
    """Upsert the batch's rows and apply its counter additions (one read and one write per
    counter item, inside the transaction: another process may count too), in one transaction."""
    rows = [entry for entry in batch if type(entry) is tuple]
    with transaction(conn):
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            conn.execute(_upsert_rows(len(chunk)), [value for upsert in chunk for value in upsert])
        counted: dict[it.Key, it.Item] = {}
        for entry in batch:
            if type(entry) is CounterAdd:
                key = entry.key
                item = counted.get(key) or read_item(conn, key) or {"PK": key[0], "SK": key[1]}
                counted[key] = add_counters(item, entry.counters, entry.set_if_absent)
        if counted:
            conn.executemany(UPSERT, [row(item) for item in counted.values()])


class BatchWriter:
    """The writer thread of one database file in this process (see the module doc)."""

    _by_path: dict[Path, BatchWriter] = {}
    _registry_lock = threading.Lock()

    def __init__(self, path: Path, interval: float, batch_size: int) -> None:
        self.path = path
        self.interval = interval
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)  # (taken through its lock where it is not waited on)
        self._items: list[Any] = []  # rows of UPSERT and CounterAdds, in queue order
        self._queued = 0  # entries ever queued
        self._written = 0  # entries ever taken by a transaction (written, or failed)
        self._taken = 0  # entries ever taken from the queue by the writer
        self._urgent = 0  # flushes waiting
        self._counters: dict[it.Key, tuple[it.Item, int]] = {}
        """Counter items with queued additions: the item once they are written, and the queue
        position of the last one (forgotten once it is written)."""
        self._open_adds: dict[it.Key, tuple[CounterAdd, int]] = {}
        """The queued addition of each counter item that the writer has not taken yet, and its
        queue position: a later addition is added to it."""
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @classmethod
    def for_path(cls, path: Path, interval: float, batch_size: int) -> BatchWriter:
        key = path.resolve()
        with cls._registry_lock:
            writer = cls._by_path.get(key)
            if writer is None:
                writer = cls._by_path[key] = cls(key, interval, batch_size)
            return writer

    def put(self, upsert: tuple[Any, ...]) -> None:
        """Queue a row of :data:`UPSERT` (a step record)."""
        with self._lock:
            self._enqueue(upsert)

    def add_counters(
        self, key: it.Key, counters: Mapping[str, int], set_if_absent: Mapping[str, Any],
        read: Callable[[], it.Item | None],
    ) -> it.Item:
        """Queue an addition to the counters of item ``key`` and return the item as it will be
        (``read()`` gives the committed item when none of this process's additions is queued)."""
        with self._lock:
            known = self._counters.get(key)
            item = known[0] if known is not None else (read() or {"PK": key[0], "SK": key[1]})
            add_counters(item, counters, set_if_absent)
            waiting = self._open_adds.get(key)
            if waiting is not None and waiting[1] > self._taken:
                waiting[0].merge(counters, set_if_absent)
                position = waiting[1]
            else:
                entry = CounterAdd(key, counters, set_if_absent)
                self._enqueue(entry)
                position = self._queued
                self._open_adds[key] = (entry, position)
            self._counters[key] = (item, position)
            return dict(item)

    def _enqueue(self, entry: Any) -> None:
        self._items.append(entry)
        self._queued += 1
        queued = len(self._items)
        if queued == 1 or queued == self.batch_size:  # the writer waits for the first, or a full batch
            self._cond.notify_all()
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"flowctl-store-writer:{self.path.name}", daemon=True
            )
            self._thread.start()

    def flush(self) -> None:
        """Block until every entry queued so far is committed (no-op when none is queued)."""
        if self._written < self._queued:
            with self._cond:
                target = self._queued
                self._urgent += 1
                self._cond.notify_all()
                while self._written < target:
                    self._cond.wait()
                self._urgent -= 1
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        try:
            self._write_until_idle()
        finally:
            with self._cond:
                if self._thread is threading.current_thread():
                    self._thread = None  # the next put starts a new writer

    def _write_until_idle(self) -> None:
        conn = open_connection(self.path)
        cond = self._cond
        while True:
            with cond:
                while not self._items:
                    if not cond.wait(_IDLE_SECONDS) and not self._items:
                        self._thread = None  # idle: the next put starts a new writer
                        conn.close()
                        return
                deadline = time.monotonic() + self.interval
                while len(self._items) < self.batch_size and not self._urgent:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    cond.wait(remaining)
                batch = self._items[: self.batch_size]
                del self._items[: self.batch_size]
                self._taken += len(batch)
            try:
                _write_batch(conn, batch)
            except BaseException as exc:  # reported to the next flush
                self._error = exc
            with cond:
                self._written += len(batch)
                for key in [k for k, (_, last) in self._counters.items() if last <= self._written]:
                    del self._counters[key]
                for key in [k for k, (_, at) in self._open_adds.items() if at <= self._taken]:
                    del self._open_adds[key]
                cond.notify_all()

    @classmethod
    def flush_all(cls) -> None:
        for writer in list(cls._by_path.values()):
            with contextlib.suppress(Exception):  # at exit, nothing left to report to
                writer.flush()


atexit.register(BatchWriter.flush_all)
