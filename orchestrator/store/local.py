"""Embedded backend of the run store: one SQLite file (default ``.flowctl/runs.sqlite3``).

It survives the process and is safe across processes and threads: every operation opens its
own connection, writes run in ``BEGIN IMMEDIATE`` transactions (one writer at a time, readers
never blocked thanks to WAL), so a second terminal can publish an event that a waiting local
run picks up. Items are the same flat dicts as in DynamoDB (:mod:`orchestrator.store.items`),
stored as JSON next to their key columns. A database written by an earlier version is migrated
in place when first opened (``PRAGMA user_version``; see :func:`_migrate`).

Example::

    >>> store = LocalRunStore(".flowctl/runs.sqlite3")
    >>> store.list_runs("hello").runs
    []
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orchestrator.store import items as it
from orchestrator.store.base import RunStore
from orchestrator.store.exceptions import ConditionFailedError

__all__ = ["LocalRunStore"]

_LOCK_TIMEOUT = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    gsi1pk TEXT,
    gsi1sk TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (pk, sk)
);
CREATE INDEX IF NOT EXISTS items_gsi1 ON items (gsi1pk, gsi1sk);
"""
_VERSION = 2
"""``PRAGMA user_version`` of the current layout. 0/1: step keys ``STEP#<node>#<index>#<attempt>``
(before redrive rounds); 2: :func:`~orchestrator.store.items.step_sk`."""


class LocalRunStore(RunStore):
    """RunStore in the SQLite file ``path`` (created with its folder on first use)."""

    def __init__(self, path: Path | str, **options: Any) -> None:
        super().__init__(**options)
        self.path = Path(path)
        self._ready = False
        self._init_lock = threading.Lock()

    def _initialise(self) -> None:
        """Create the folder, the table and switch to WAL once (retried: another process or
        thread may hold the lock while doing the same)."""
        with self._init_lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            deadline = time.monotonic() + _LOCK_TIMEOUT
            while True:
                conn = sqlite3.connect(self.path, timeout=_LOCK_TIMEOUT, isolation_level=None)
                try:
                    conn.execute(f"PRAGMA busy_timeout = {int(_LOCK_TIMEOUT * 1000)}")
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.executescript(_SCHEMA)
                    _migrate(conn)
                    self._ready = True
                    return
                except sqlite3.OperationalError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
                finally:
                    conn.close()

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self._initialise()
        conn = sqlite3.connect(self.path, timeout=_LOCK_TIMEOUT, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(_LOCK_TIMEOUT * 1000)}")
            if not write:
                yield conn
                return
            with _transaction(conn):
                yield conn
        finally:
            conn.close()

    @staticmethod
    def _read(conn: sqlite3.Connection, key: it.Key) -> it.Item | None:
        row = conn.execute("SELECT body FROM items WHERE pk = ? AND sk = ?", key).fetchone()
        return json.loads(row[0]) if row else None

    @staticmethod
    def _write(conn: sqlite3.Connection, item: it.Item) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO items (pk, sk, gsi1pk, gsi1sk, body) VALUES (?, ?, ?, ?, ?)",
            (item["PK"], item["SK"], item.get("GSI1PK"), item.get("GSI1SK"), json.dumps(item)),
        )

    def flow_names(self) -> list[str]:
        """Names of the flows that have runs in this store, sorted."""
        prefix = it.flow_pk("")
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT DISTINCT gsi1pk FROM items WHERE substr(gsi1pk, 1, ?) = ? ORDER BY gsi1pk",
                (len(prefix), prefix),
            ).fetchall()
        return [row[0][len(prefix):] for row in rows]

    # ------------------------------------------------------------------ hooks
    def _get_item(self, key: it.Key) -> it.Item | None:
        with self._connect() as conn:
            return self._read(conn, key)

    def _query(self, pk: str, sk_prefix: str = "") -> list[it.Item]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT sk, body FROM items WHERE pk = ? AND substr(sk, 1, ?) = ? ORDER BY sk",
                (pk, len(sk_prefix), sk_prefix),
            ).fetchall()
        return [json.loads(body) for _, body in rows]

    def _put_items(self, items: Sequence[it.Item]) -> None:
        with self._connect(write=True) as conn:
            for item in items:
                self._write(conn, item)

    def _iter_query(self, pk: str, sk_prefix: str) -> Iterator[it.Item]:
        with self._connect() as conn:
            cursor = conn.execute(
                "SELECT body FROM items WHERE pk = ? AND substr(sk, 1, ?) = ? ORDER BY sk",
                (pk, len(sk_prefix), sk_prefix),
            )
            for (body,) in cursor:
                yield json.loads(body)

    def _query_flow(self, gsi1pk: str, limit: int, after: it.Item | None) -> list[it.Item]:
        sql = "SELECT body FROM items WHERE gsi1pk = ?"
        args: list[Any] = [gsi1pk]
        if after:
            sql += " AND gsi1sk < ?"
            args.append(after["GSI1SK"])
        sql += " ORDER BY gsi1sk DESC LIMIT ?"
        args.append(limit)
        with self._connect() as conn:
            return [json.loads(row[0]) for row in conn.execute(sql, args).fetchall()]

    def _put_item(self, item: it.Item, *, if_absent: bool = False) -> None:
        with self._connect(write=True) as conn:
            if if_absent and self._read(conn, (item["PK"], item["SK"])) is not None:
                raise ConditionFailedError(f"item {item['PK']} {item['SK']} exists")
            self._write(conn, item)

    def _update_if_newer(
        self,
        key: it.Key,
        seq: int,
        set_always: it.Item,
        set_if_absent: it.Item,
        remove: Sequence[str],
    ) -> None:
        with self._connect(write=True) as conn:
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
        self, key: it.Key, counters: Mapping[str, int], set_if_absent: it.Item
    ) -> it.Item:
        with self._connect(write=True) as conn:
            item = self._read(conn, key) or {"PK": key[0], "SK": key[1]}
            for name, value in set_if_absent.items():
                item.setdefault(name, value)
            for name, amount in counters.items():
                item[name] = int(item.get(name, 0)) + int(amount)
            self._write(conn, item)
            return item


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a database of an earlier layout to :data:`_VERSION` in place, in one transaction
    (once: a second process finds the version already set). Version 2 re-keys every step item
    with its redrive round (0 for steps recorded before rounds existed), so the runs recorded
    before still show and a later round never overwrites them."""
    if conn.execute("PRAGMA user_version").fetchone()[0] >= _VERSION:
        return
    with _transaction(conn):
        if conn.execute("PRAGMA user_version").fetchone()[0] < _VERSION:
            rows = conn.execute(
                "SELECT pk, sk, body FROM items WHERE substr(sk, 1, 5) = 'STEP#'"
            ).fetchall()
            for pk, sk, body in rows:
                item = json.loads(body)
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


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (``BEGIN IMMEDIATE``: one writer at a time), rolled back on error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
