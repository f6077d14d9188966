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
process still queued: all of the calling thread's, and those of the other threads as far as
they are seen (see the method: it takes no lock). The value a thread sees never goes down
while additions are positive, and once every addition is made it is exact when this process
is the only one counting that node, as in a local run; another process's additions show once
they are committed and this process has committed one of its own, or first counts the item.

Queueing takes no lock that the run's threads share (issue 14: 10 Map workers that queue a
step each convoyed on one): see :class:`BatchWriter`.

:meth:`BatchWriter.flush` waits until everything queued so far is committed, then raises the
error of a batch that failed since the last flush; every read and conditional write of the
store calls it first. A writer thread idle for a while ends; the next entry starts another.
The queues are flushed when the process exits normally.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import functools
import json
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from threading import get_ident
from typing import Any

from orchestrator.json_text import json_encoder
from orchestrator.store import items as it
from orchestrator.store.models import Step

__all__ = ["UPSERT", "BatchWriter", "CounterAdd", "add_counters", "item_of", "open_connection", "read_item", "row",
           "step_row", "transaction"]

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


_ascii: Callable[[str], str] = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]


def _body_value(value: Any) -> str:
    """``value`` as :data:`_encode_body` writes it inside an item's body."""
    kind = type(value)
    if kind is str:
        return _ascii(value)
    if kind is int:
        return int.__repr__(value)
    return _encode_body(value)


_STEP_OPTIONAL = ("started_at", "stopped_at", "duration_ms", "error", "cause")


@functools.lru_cache(maxsize=256)
def _step_texts(run_id: str, node: str) -> tuple[str, str, str, str]:
    """What the rows of one node's steps in one run share: the partition key, the sort key's
    head (``STEP#<node>#``), and the body's text before the sort key's tail and from after it
    to the item's ``index`` (made once per node: a foreach records a step per item)."""
    pk = it.run_pk(run_id)
    sk_head = it.step_sk_head(node)
    # (the escaped sort key is its head's escaped text, unquoted, and then the tail: digits and #)
    before_tail = f'{{"PK": {_ascii(pk)}, "SK": {_ascii(sk_head)[:-1]}'
    after_tail = f'", "type": "step", "run_id": {_ascii(run_id)}, "node": {_ascii(node)}, "index": '
    return pk, sk_head, before_tail, after_tail


def step_row(step: Step, text: str | None) -> tuple[Any, ...]:
    """``row(it.step_item(step, text))``, written directly: a step's body has known keys, so
    its text is put together without building the item and encoding it (every foreach item
    records a step). The same text as :data:`_encode_body` gives (tested)."""
    index, redrive, attempt = step.index, step.redrive, step.attempt
    if type(index) is not int or type(redrive) is not int or type(attempt) is not int:
        return row(it.step_item(step, text))  # (not a step the recorder makes)
    pk, sk_head, before_tail, after_tail = _step_texts(step.run_id, step.node)
    tail = it.step_sk_tail(index, redrive, attempt)
    head = f'{before_tail}{tail}{after_tail}{index}, "redrive": {redrive}, "attempt": {attempt}, "status": '
    status, started, stopped, duration = step.status, step.started_at, step.stopped_at, step.duration_ms
    if (type(status) is str and type(started) is str and type(stopped) is str and type(duration) is int
            and step.error is None and step.cause is None):  # (a step that ended well: one text)
        body = (f'{head}{_ascii(status)}, "started_at": {_ascii(started)}, "stopped_at": {_ascii(stopped)}, '
                f'"duration_ms": {duration}}}')
        return (pk, sk_head + tail, None, None, body, text)
    parts = [head + _body_value(status)]
    for name in _STEP_OPTIONAL:
        value = getattr(step, name)
        if value is not None:
            parts.append(f', "{name}": {_body_value(value)}')
    parts.append("}")
    return (pk, sk_head + tail, None, None, "".join(parts), text)


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


class _Tally:
    """What one thread added to one counter item, in total per counter (only that thread
    writes it; it never goes down but by a negative addition)."""

    __slots__ = ("added",)

    def __init__(self) -> None:
        self.added: dict[str, int] = {}


class CounterAdd:
    """This process's additions to the progress counters of one item: each thread adds to a
    :class:`_Tally` of its own, and the item stands once in the queue however many additions
    wait (one read and write per item and batch, no queue entry per foreach item).

    ``committed`` is the pair the writer publishes after each commit (one attribute, replaced
    whole, never changed in place): the item as committed, and how much of each tally it
    includes. ``queued`` is true while the item waits in the queue (see :meth:`BatchWriter.
    add_counters` for why no lock is needed)."""

    __slots__ = ("absent", "absent_given", "committed", "key", "queued", "tallies")

    def __init__(self, key: it.Key, item: it.Item) -> None:
        self.key = key
        self.committed: tuple[it.Item, dict[_Tally, dict[str, int]]] = (item, {})
        self.absent: dict[str, Any] = {}
        """The attributes to set where missing (the first value given for each wins)."""
        self.absent_given: Mapping[str, Any] | None = None
        """The last mapping of attributes to set where missing that was added to ``absent``:
        given again (the same object: a foreach's items count with one), it adds nothing."""
        self.tallies: dict[int, _Tally] = {}
        """Each thread's tally, by thread id (a thread that reuses the id of one that ended
        takes over its tally: one thread writes it at a time)."""
        self.queued = False

    def value(self) -> it.Item:
        """The item as it will be once every addition made so far is committed."""
        tallies = tuple(self.tallies.values())  # before ``committed``: see BatchWriter.add_counters
        item, included = self.committed
        item = dict(item)
        for name, value in self.absent.copy().items():
            item.setdefault(name, value)
        for tally in tallies:
            done = included.get(tally, _NONE)
            for name, total in tally.added.copy().items():
                item[name] = int(item.get(name, 0)) + total - done.get(name, 0)
        return item

    def take(self, conn: sqlite3.Connection, counted: dict[it.Key, it.Item]) -> dict[_Tally, dict[str, int]]:
        """Add what the tallies hold beyond ``committed`` to the item (read in ``conn``'s
        transaction, or already in ``counted``) and return the tallies as taken."""
        taken = {tally: tally.added.copy() for tally in tuple(self.tallies.values())}
        included = self.committed[1]
        key = self.key
        item = counted.get(key) or read_item(conn, key) or {"PK": key[0], "SK": key[1]}
        for name, value in self.absent.copy().items():
            item.setdefault(name, value)
        for tally, added in taken.items():
            done = included.get(tally, _NONE)
            for name, total in added.items():
                item[name] = int(item.get(name, 0)) + total - done.get(name, 0)
        counted[key] = item
        return taken


_NONE: dict[str, int] = {}


class _Flush(threading.Event):
    """A flush's place in the queue: set once everything queued before it is committed."""


_Committed = dict[CounterAdd, tuple[it.Item, dict[_Tally, dict[str, int]]]]


def _write_batch(conn: sqlite3.Connection, batch: list[Any]) -> _Committed:
    """Upsert the batch's rows and apply its counter additions (one read and one write per
    counter item, inside the transaction: another process may count too), in one transaction.
    Returns the counter items as written, with the tallies they include."""
    rows = [entry for entry in batch if type(entry) is tuple]
    taken: dict[CounterAdd, dict[_Tally, dict[str, int]]] = {}
    with transaction(conn):
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            conn.execute(_upsert_rows(len(chunk)), [value for upsert in chunk for value in upsert])
        counted: dict[it.Key, it.Item] = {}
        for entry in batch:
            if type(entry) is CounterAdd and entry not in taken:
                taken[entry] = entry.take(conn, counted)
        if counted:
            conn.executemany(UPSERT, [row(item) for item in counted.values()])
    return {entry: (counted[entry.key], tallies) for entry, tallies in taken.items()}


_NEVER = sys.maxsize


class BatchWriter:
    """The writer thread of one database file in this process (see the module doc).

    The threads that queue (producers) take no lock shared with each other or with the writer
    thread: they append to a ``deque`` (atomic) and wake the writer only when it sleeps and
    waits for what they bring (its first entry, a full batch, a flush). ``_lock`` is taken
    only to start the writer thread, to meet a counter item first, and by the writer once per
    batch and when it ends."""

    _by_path: dict[Path, BatchWriter] = {}
    _registry_lock = threading.Lock()

    def __init__(self, path: Path, interval: float, batch_size: int) -> None:
        self.path = path
        self.interval = interval
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._queue: collections.deque[Any] = collections.deque()
        """Rows of UPSERT, CounterAdds and _Flush markers, in queue order."""
        self._wakeup = threading.Event()
        self._wake_at = _NEVER
        """The queue length at which a producer wakes the sleeping writer (never, awake)."""
        self._urgent = False
        """A flush marker may wait in the queue: the writer does not wait for a full batch."""
        self._busy = False
        """The writer holds entries taken from the queue and not yet committed."""
        self._counted: dict[it.Key, CounterAdd] = {}
        """The counter items this process added to since the writer thread started."""
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

    def put(self, entry: Any) -> None:
        """Queue a row of :data:`UPSERT` (a step record); also, from this class, a
        :class:`CounterAdd` or a flush marker."""
        queue = self._queue
        queue.append(entry)
        if len(queue) >= self._wake_at:
            self._wake()
        if self._thread is None:
            self._start()

    def add_counters(
        self, key: it.Key, counters: Mapping[str, int], set_if_absent: Mapping[str, Any],
        read: Callable[[], it.Item | None], returning: bool = True,
    ) -> it.Item | None:
        """Queue an addition to the counters of item ``key`` and return the item as it will be,
        unless not ``returning`` (``read()`` gives the committed item when this process meets
        the item first).

        Without a lock, under the GIL (each step below is one atomic operation: an attribute
        or dict item set, a list append, a dict or list copy):

        * this thread adds to its own tally of the item (nobody else writes it), then queues
          the item unless ``queued`` says it waits already. The writer clears ``queued`` when it
          takes the item, *before* it reads the tallies: an addition either is read by that
          transaction, or finds ``queued`` clear and queues the item again. So a flush
          (queued after this call returned) finds the addition committed.
        * the value returned is the published ``committed`` pair (item, tallies included)
          plus, for each tally, what it holds beyond what the pair includes. The tallies are
          listed *before* the pair is read: a tally missing from the list is a thread's new
          one, whose committed part the pair's item holds already; a tally in the list has
          its included part in the pair (the writer only includes what a tally held before it
          published the pair). So the value counts every addition of this thread, every
          committed one, and a part of the other threads' queued ones that only grows: with
          additions >= 0 it never goes down from one call of a thread to the next, and the
          last call of a run (after every other addition) returns the exact total.
        * the first addition to an item since the writer started reads it (``read()``) and
          registers it under ``_lock``; the writer publishes each committed item under that
          lock too, to the registered ``CounterAdd`` as well when another one holds the key
          (one met before the writer last ended idle), so a registered item never misses a
          commit that its read did not see.
        """
        added = self._counted.get(key)
        if added is None:
            added = self._first(key, read)
        thread = get_ident()
        tally = added.tallies.get(thread)
        if tally is None:
            tally = added.tallies[thread] = _Tally()
        mine = tally.added
        for name, amount in counters.items():
            mine[name] = mine.get(name, 0) + int(amount)
        if set_if_absent and set_if_absent is not added.absent_given:
            absent = added.absent
            for name, value in set_if_absent.items():
                absent.setdefault(name, value)
            added.absent_given = set_if_absent
        if not added.queued:
            added.queued = True
            self.put(added)
        return added.value() if returning else None

    def _first(self, key: it.Key, read: Callable[[], it.Item | None]) -> CounterAdd:
        with self._lock:
            added = self._counted.get(key)
            if added is None:
                added = self._counted[key] = CounterAdd(key, read() or {"PK": key[0], "SK": key[1]})
            return added

    def _wake(self) -> None:
        self._wake_at = _NEVER
        self._wakeup.set()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"flowctl-store-writer:{self.path.name}", daemon=True
                )
                self._thread.start()

    def flush(self) -> None:
        """Block until every entry queued so far is committed (no-op when none is queued), then
        raise the error of a batch that failed since the last flush, if any."""
        if self._queue or self._busy:
            done = _Flush()
            self.put(done)
            self._urgent = True
            self._wake()
            done.wait()
        error = self._error
        if error is not None:  # (two flushes at once may both raise it)
            self._error = None
            raise error

    def _sleep(self, length: int, timeout: float) -> bool:
        """Wait until the queue holds ``length`` entries (or a flush waits, when ``length`` > 1)
        or ``timeout`` passes; false when it passed. (``_wakeup`` is cleared before
        ``_wake_at`` is set and the queue checked: a producer that queues after the check
        finds ``_wake_at`` set and wakes it.)"""
        self._wakeup.clear()
        self._wake_at = length
        woken = True
        if len(self._queue) < length and not (length > 1 and self._urgent):
            woken = self._wakeup.wait(timeout)
        self._wake_at = _NEVER
        return woken

    def _take(self) -> tuple[list[Any], list[_Flush]]:
        """Up to ``batch_size`` entries from the queue, and the flush markers among them."""
        self._busy = True  # before the queue empties: see flush
        self._urgent = False  # (set again below if a marker stays in the queue)
        queue = self._queue
        batch: list[Any] = []
        markers: list[_Flush] = []
        while len(batch) < self.batch_size and queue:
            entry = queue.popleft()
            kind = type(entry)
            if kind is _Flush:
                markers.append(entry)
                continue
            if kind is CounterAdd:
                entry.queued = False  # before the writer reads its tallies: see add_counters
            batch.append(entry)
        if queue and any(type(entry) is _Flush for entry in tuple(queue)):
            self._urgent = True
        return batch, markers

    def _run(self) -> None:
        try:
            self._write_until_idle()
        except BaseException as exc:  # (the connection could not be opened) reported to the next flush
            self._error = exc
            self._busy = False
            self._release()
            with self._lock:
                self._thread = None  # (before the queue is looked at, as when idle)
            if self._queue:  # queued while it was released: a new writer thread takes it
                self._start()

    def _release(self) -> None:
        """Drop what is queued, releasing the flushes that wait (the writer thread failed; a
        counter item's additions stay in its tallies, for its next commit)."""
        queue = self._queue
        while queue:
            entry = queue.popleft()
            kind = type(entry)
            if kind is _Flush:
                entry.set()
            elif kind is CounterAdd:
                entry.queued = False

    def _write_until_idle(self) -> None:
        conn = open_connection(self.path)
        queue = self._queue
        while True:
            if not queue and not self._sleep(1, _IDLE_SECONDS) and not queue:
                with self._lock:  # idle: the thread ends, the next put starts a new one
                    me, self._thread = self._thread, None  # (before the queue is looked at: a
                    if not queue:  # put after the look finds no thread and starts one)
                        self._counted.clear()
                        conn.close()
                        return
                    self._thread = me
            if not queue:
                continue
            if len(queue) < self.batch_size and not self._urgent:
                self._sleep(self.batch_size, self.interval)
            batch, markers = self._take()
            try:
                committed = _write_batch(conn, batch) if batch else {}
            except BaseException as exc:  # reported to the next flush
                self._error = exc
                committed = {}
            if committed:
                self._publish(committed)
            self._busy = False
            for marker in markers:
                marker.set()

    def _publish(self, committed: _Committed) -> None:
        """Publish the committed counter items (see :meth:`add_counters`)."""
        with self._lock:
            for added, pair in committed.items():
                added.committed = pair  # (one assignment: the item and its tallies go together)
                registered = self._counted.get(added.key)
                if registered is not None and registered is not added and registered not in committed:
                    registered.committed = (pair[0], registered.committed[1])

    @classmethod
    def flush_all(cls) -> None:
        for writer in list(cls._by_path.values()):
            with contextlib.suppress(Exception):  # at exit, nothing left to report to
                writer.flush()


atexit.register(BatchWriter.flush_all)
