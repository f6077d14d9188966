"""Embedded backend of the run store: one SQLite file (default ``.flowctl/runs.sqlite3``).

It survives the process and is safe across processes and threads: each thread keeps one
connection per store, the file is in WAL mode (readers never blocked) with
``synchronous=NORMAL``, writes run in ``BEGIN IMMEDIATE`` transactions (one writer at a time),
so a second terminal can publish an event that a waiting local run picks up. Items are the same
flat dicts as in DynamoDB (:mod:`orchestrator.store.items`), stored as JSON next to their key
columns, with an item's ``output_json`` (a JSON text already) in a column of its own. A database written by an earlier version is migrated in place when first opened
(``PRAGMA user_version``; see :func:`_migrate`).

Step records and progress-counter additions (the bulk of the writes: one per node attempt and
foreach item) go through a writer queue: one thread per file and process commits them in
batches (:mod:`orchestrator.store.local_writer`). Crash-safe boundaries:

- every read (but of a run's own item, which is never queued) and every conditional write of
  this process first waits for the queue, so the process always reads its own writes and a
  run's status is never committed ahead of the steps and counts recorded before it;
- another process sees a step record or a count at most ``flush_interval`` (0.2 s) after it
  was recorded;
- runs, waiters and buffered events are committed before their call returns; a terminal run
  status is also synced to disk (``synchronous=FULL`` for that commit), so a finished run
  survives a power loss; the queue is flushed when the process exits normally;
- a crash of the process loses at most the step records and counts of its last
  ``flush_interval``; a power loss at most the commits since the last terminal status or WAL
  checkpoint.

Example::

    >>> store = LocalRunStore(".flowctl/runs.sqlite3")
    >>> store.list_runs("hello").runs
    []
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orchestrator.store import items as it
from orchestrator.store import local_writer as lw
from orchestrator.store.base import RunStore
from orchestrator.store.errors import ConditionFailedError
from orchestrator.store.models import TERMINAL_STATUSES, BufferedEvent, Step, Waiter

__all__ = ["LocalRunStore"]

_FLUSH_INTERVAL = 0.2
"""Seconds a queued step record waits at most before the writer thread commits it."""
_BATCH_SIZE = 1000
"""Most step records in one write transaction."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    gsi1pk TEXT,
    gsi1sk TEXT,
    body TEXT NOT NULL,
    output_json TEXT,
    PRIMARY KEY (pk, sk)
);
CREATE INDEX IF NOT EXISTS items_gsi1 ON items (gsi1pk, gsi1sk);
"""
_VERSION = 3
"""``PRAGMA user_version`` of the current layout. 0/1: step keys ``STEP#<node>#<index>#<attempt>``
(before redrive rounds); 2: :func:`~orchestrator.store.items.step_sk`; 3: an item's
``output_json`` in a column of its own (:data:`~orchestrator.store.local_writer.TEXT_ATTRIBUTE`)."""


class LocalRunStore(RunStore):
    """RunStore in the SQLite file ``path`` (created with its folder on first use).

    ``flush_interval`` (seconds) bounds how long a step record may wait in the writer queue
    before another process sees it; ``batch_size`` is the most records written per transaction.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        flush_interval: float = _FLUSH_INTERVAL,
        batch_size: int = _BATCH_SIZE,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.path = Path(path)
        self._ready = False
        self._init_lock = threading.Lock()
        self._local = threading.local()
        self._flush_interval = flush_interval
        self._batch_size = batch_size
        self._writer: lw.BatchWriter | None = None

    def _initialise(self) -> None:
        """Create the folder, the table and switch to WAL once (retried: another process or
        thread may hold the lock while doing the same). The connection that did it stays this
        thread's connection: closing it, the only one open, would checkpoint the WAL to disk."""
        with self._init_lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            deadline = time.monotonic() + lw.LOCK_TIMEOUT
            while True:
                conn = lw.open_connection(self.path)
                try:
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.executescript(_SCHEMA)
                    _migrate(conn)
                    self._writer = lw.BatchWriter.for_path(
                        self.path, self._flush_interval, self._batch_size
                    )
                except sqlite3.OperationalError:
                    conn.close()
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
                    continue
                except BaseException:
                    conn.close()
                    raise
                if getattr(self._local, "conn", None) is None:
                    self._local.conn = conn
                else:
                    conn.close()
                self._ready = True
                return

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection to the file (opened once per thread and store)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = lw.open_connection(self.path)
        return conn

    @contextmanager
    def _connect(self, write: bool = False, durable: bool = False, flush: bool = True) -> Iterator[sqlite3.Connection]:
        """This thread's connection, after the queued step records are written (so every read
        and every condition sees them; not with ``flush`` false, for a read of what is never
        queued); with ``write``, inside one write transaction, and with ``durable`` also synced
        to disk at commit (a crash-safe boundary)."""
        if not self._ready:
            self._initialise()
        assert self._writer is not None
        if flush:
            self._writer.flush()
        conn = self._connection()
        if not write:
            yield conn
            return
        if durable:
            conn.execute("PRAGMA synchronous = FULL")
        try:
            with lw.transaction(conn):
                yield conn
        finally:
            if durable:
                conn.execute("PRAGMA synchronous = NORMAL")

    def flush(self) -> None:
        """Write the queued step records now (every read of this process does it first, but
        of a run's own item)."""
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        """Write the queued step records and close this thread's connection (the store opens
        a new one when used again)."""
        self.flush()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @staticmethod
    def _read(conn: sqlite3.Connection, key: it.Key) -> it.Item | None:
        return lw.read_item(conn, key)

    @staticmethod
    def _write(conn: sqlite3.Connection, item: it.Item) -> None:
        conn.execute(lw.UPSERT, lw.row(item))

    def flow_names(self) -> list[str]:
        """Names of the flows that have runs in this store, sorted."""
        prefix = it.flow_pk("")
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT DISTINCT gsi1pk FROM items WHERE substr(gsi1pk, 1, ?) = ? ORDER BY gsi1pk",
                (len(prefix), prefix),
            ).fetchall()
        return [row[0][len(prefix):] for row in rows]

    def event_records(self) -> tuple[list[Waiter], list[BufferedEvent]]:
        """Every live waiter and buffered event of this store (``flowctl events list``)."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT sk, body, output_json FROM items WHERE substr(pk, 1, 6) = 'EVENT#' ORDER BY pk, sk"
            ).fetchall()
        now = self.clock()
        waiters = [it.waiter_from_item(lw.item_of(b, t)) for sk, b, t in rows if sk.startswith("WAIT#")]
        events = [it.buffered_event_from_item(lw.item_of(b, t)) for sk, b, t in rows if sk.startswith("EVT#")]
        return [w for w in waiters if w.expires_at > now], [e for e in events if e.expires_at > now]

    # ------------------------------------------------------------------ hooks
    def _get_item(self, key: it.Key) -> it.Item | None:
        # A run's item is never queued (only step records and counters are), so reading it
        # needs no flush: a local run's check for a cancel, five times a second, does not make
        # the writer commit what it holds nor wait for it.
        with self._connect(flush=key[1] != it.RUN_SK) as conn:
            return self._read(conn, key)

    def _query(self, pk: str, sk_prefix: str = "") -> list[it.Item]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT body, output_json FROM items WHERE pk = ? AND substr(sk, 1, ?) = ? ORDER BY sk",
                (pk, len(sk_prefix), sk_prefix),
            ).fetchall()
        return [lw.item_of(body, text) for body, text in rows]

    def _put_items(self, items: Sequence[it.Item]) -> None:
        with self._connect(write=True) as conn:
            for item in items:
                self._write(conn, item)

    def _iter_query(self, pk: str, sk_prefix: str) -> Iterator[it.Item]:
        with self._connect() as conn:
            cursor = conn.execute(
                "SELECT body, output_json FROM items WHERE pk = ? AND substr(sk, 1, ?) = ? ORDER BY sk",
                (pk, len(sk_prefix), sk_prefix),
            )
            for body, text in cursor:
                yield lw.item_of(body, text)

    def _query_flow(self, gsi1pk: str, limit: int, after: it.Item | None) -> list[it.Item]:
        sql = "SELECT body, output_json FROM items WHERE gsi1pk = ?"
        args: list[Any] = [gsi1pk]
        if after:
            sql += " AND gsi1sk < ?"
            args.append(after["GSI1SK"])
        sql += " ORDER BY gsi1sk DESC LIMIT ?"
        args.append(limit)
        with self._connect() as conn:
            return [lw.item_of(body, text) for body, text in conn.execute(sql, args).fetchall()]

    def _put_item(self, item: it.Item, *, if_absent: bool = False) -> None:
        with self._connect(write=True) as conn:
            if if_absent and self._read(conn, (item["PK"], item["SK"])) is not None:
                raise ConditionFailedError(f"item {item['PK']} {item['SK']} exists")
            self._write(conn, item)

    def _put_step(self, step: Step, output_json: str | None) -> None:
        """:meth:`_put_batched` of the step's item, its row made without the item (the
        commonest write: one per foreach item)."""
        self._queue_row(lw.step_row(step, output_json))

    def _put_batched(self, item: it.Item) -> None:
        """Queue a step record for the writer thread (written in batches, see the module doc)."""
        self._queue_row(lw.row(item))  # encoded here: the writer thread only runs SQLite

    def _queue_row(self, row: tuple[Any, ...]) -> None:
        if not self._ready:
            self._initialise()
        assert self._writer is not None
        self._writer.put(row)

    def _update_if_newer(
        self,
        key: it.Key,
        seq: int,
        set_always: it.Item,
        set_if_absent: it.Item,
        remove: Sequence[str],
    ) -> None:
        durable = set_always.get("status") in TERMINAL_STATUSES
        with self._connect(write=True, durable=durable) as conn:
            item = self._read(conn, key)
            if item is not None and "status_seq" in item and int(item["status_seq"]) >= seq:
                raise ConditionFailedError(f"{key[0]} has a status as new as {seq}")
            item = item or {"PK": key[0], "SK": key[1]}
            for name, value in set_if_absent.items():
                item.setdefault(name, value)
            item.update(set_always)
            for name in remove:
                if name not in set_always:
                    item.pop(name, None)
            self._write(conn, item)

    def _delete_item(self, key: it.Key) -> it.Item:
        with self._connect(write=True) as conn:
            item = self._read(conn, key)
            if item is None:
                raise ConditionFailedError(f"item {key[0]} {key[1]} is gone")
            conn.execute("DELETE FROM items WHERE pk = ? AND sk = ?", key)
            return item

    def _delete_items(self, keys: Sequence[it.Key]) -> None:
        with self._connect(write=True) as conn:
            if any(self._read(conn, key) is None for key in keys):
                raise ConditionFailedError("an item of the pair is gone")
            conn.executemany("DELETE FROM items WHERE pk = ? AND sk = ?", keys)

    def _add_counters(
        self, key: it.Key, counters: Mapping[str, int], set_if_absent: it.Item, returning: bool = True
    ) -> it.Item | None:
        """Queued with the step records (see :mod:`orchestrator.store.local_writer`): a foreach
        item's counter costs no transaction of its own."""
        if not self._ready:
            self._initialise()
        assert self._writer is not None
        return self._writer.add_counters(key, counters, set_if_absent, lambda: self._read(self._connection(), key),
                                         returning)


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a database of an earlier layout to :data:`_VERSION` in place, in one transaction
    (once: a second process finds the version already set). Version 2 re-keys every step item
    with its redrive round (0 for steps recorded before rounds existed), so the runs recorded
    before still show and a later round never overwrites them. Version 3 adds the
    ``output_json`` column; the rows written before keep that attribute in their body."""
    if conn.execute("PRAGMA user_version").fetchone()[0] >= _VERSION:
        return
    with lw.transaction(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version >= _VERSION:
            return
        if "output_json" not in {column[1] for column in conn.execute("PRAGMA table_info(items)")}:
            conn.execute("ALTER TABLE items ADD COLUMN output_json TEXT")
        if version < 2:
            rows = conn.execute(
                "SELECT pk, sk, body, output_json FROM items WHERE substr(sk, 1, 5) = 'STEP#'"
            ).fetchall()
            for pk, sk, body, text in rows:
                item = lw.item_of(body, text)
                item["SK"] = it.step_sk(
                    str(item["node"]),
                    int(item.get("index", 0)),
                    int(item.get("redrive", 0)),
                    int(item.get("attempt", 0)),
                )
                if item["SK"] != sk:
                    conn.execute("DELETE FROM items WHERE pk = ? AND sk = ?", (pk, sk))
                    LocalRunStore._write(conn, item)
        conn.execute(f"PRAGMA user_version = {_VERSION}")
