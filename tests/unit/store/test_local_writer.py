"""The local store's writer queue: what many threads queue at once is committed whole, counted
exactly, and a failed batch is reported (the queue takes no lock that the threads share)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator.store import LocalRunStore, Run, Step, local_writer
from tests.threads import frequent_switches

T0 = "2026-01-01T00:00:00.000Z"
THREADS = 8


def in_threads(work: Callable[[int], None], count: int = THREADS) -> None:
    """Run ``work(i)`` on ``count`` threads started together, and wait for them."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        start.wait()
        try:
            work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` (a state the writer thread reaches on its own), for at most a minute."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


def test_threads_counting_at_once_see_consistent_values_and_the_exact_total(tmp_path: Path):
    # GIVEN a store whose writer commits in small batches, so that commits happen while counting
    store = LocalRunStore(tmp_path / "runs.sqlite3", flush_interval=0.001, batch_size=5)
    store.create_run(Run(run_id="r1", flow="f"))
    store.set_progress_total("r1", "each", THREADS * 300)
    seen: dict[int, list[int]] = {}

    # WHEN 8 threads each count 300 items (with a step record each), switching as often as can be
    def count(i: int) -> None:
        mine = seen[i] = []
        for n in range(300):
            store.record_step(Step("r1", "each/do", "SUCCEEDED", index=i * 1000 + n, started_at=T0))
            mine.append(store.add_progress("r1", "each", {"succeeded": 1})["succeeded"])

    with frequent_switches():
        in_threads(count)

    # THEN every value a thread saw counts its own items so far, never goes down, and never
    # passes the total
    for values in seen.values():
        assert values == sorted(values)
        assert all(n + 1 <= value <= THREADS * 300 for n, value in enumerate(values))
    # AND the last count seen, an addition of nothing after all of them and what is committed
    # are the exact total
    assert max(values[-1] for values in seen.values()) == THREADS * 300
    assert store.add_progress("r1", "each", {"succeeded": 0}) == {"succeeded": 2400, "total": 2400}
    assert store.get_progress("r1", "each") == {"succeeded": 2400, "total": 2400}
    store.close()


def test_a_flush_after_threads_queued_at_once_sees_every_row(tmp_path: Path):
    # GIVEN a store whose writer waits for a full batch of 7 (or a flush) before it commits
    store = LocalRunStore(tmp_path / "runs.sqlite3", flush_interval=3600, batch_size=7)
    store.create_run(Run(run_id="r1", flow="f"))

    # WHEN 8 threads record 250 steps each at once
    def record(i: int) -> None:
        for n in range(250):
            store.record_step(Step("r1", "each/do", "SUCCEEDED", index=i * 1000 + n, started_at=T0))

    with frequent_switches():
        in_threads(record)

    # THEN the next read (which flushes) sees all 2000 of them
    indices = {step.index for step in store.list_steps("r1", "each/do")}
    assert indices == {i * 1000 + n for i in range(THREADS) for n in range(250)}
    store.close()


def test_threads_flushing_while_others_queue_each_see_what_they_queued(tmp_path: Path):
    # GIVEN a store whose writer commits only full batches of 50 or for a flush
    store = LocalRunStore(tmp_path / "runs.sqlite3", flush_interval=3600, batch_size=50)
    store.create_run(Run(run_id="r1", flow="f"))
    missing: list[int] = []

    # WHEN 4 threads record steps and read each one back (a flush each) while 4 others record
    def work(i: int) -> None:
        for n in range(40):
            store.record_step(Step("r1", f"node{i}", "SUCCEEDED", index=n, started_at=T0))
            if i % 2 and n not in {step.index for step in store.list_steps("r1", f"node{i}")}:
                missing.append(n)

    with frequent_switches():
        in_threads(work)

    # THEN every read found the step queued before it
    assert missing == []
    store.close()


def test_a_failed_batch_is_reported_to_the_next_flush_only(tmp_path: Path):
    # GIVEN a store with a step recorded
    store = LocalRunStore(tmp_path / "runs.sqlite3", flush_interval=3600)
    store.create_run(Run(run_id="r1", flow="f"))
    writer = store._writer
    assert writer is not None
    # WHEN a row the table refuses is queued
    writer.put(("RUN#r1", "BAD"))
    # THEN the next flush raises the database's error, and the one after it does not
    with pytest.raises(sqlite3.Error):
        store.flush()
    store.flush()
    # AND the writer goes on committing what is queued after
    store.record_step(Step("r1", "a", "SUCCEEDED", index=0, started_at=T0))
    assert [step.node for step in store.list_steps("r1")] == ["a"]
    store.close()


def test_reading_a_run_s_own_item_does_not_wait_for_the_queue(tmp_path: Path):
    # GIVEN a store with a step queued (the writer waits an hour before it commits)
    store = LocalRunStore(tmp_path / "runs.sqlite3", flush_interval=3600)
    store.create_run(Run(run_id="r1", flow="f"))
    store.record_step(Step("r1", "a", "SUCCEEDED", index=0, started_at=T0))
    writer = store._writer
    assert writer is not None
    # WHEN the run is read without its steps (as a local run checks for a cancel)
    run = store.get_run("r1", steps=False)
    # THEN it is read, and the step still waits in the queue (the run's item is never queued)
    assert run is not None and run.status == "PENDING"
    assert len(writer._queue) == 1
    # AND reading the run with its steps waits for them
    assert [step.node for step in store.get_run("r1").steps] == ["a"]
    assert not writer._queue
    store.close()


def test_an_idle_writer_thread_ends_and_the_next_entry_starts_another(tmp_path: Path, monkeypatch):
    # GIVEN a writer thread that ends after 10 ms without work
    monkeypatch.setattr(local_writer, "_IDLE_SECONDS", 0.01)
    store = LocalRunStore(tmp_path / "runs.sqlite3", flush_interval=0.001)
    store.create_run(Run(run_id="r1", flow="f"))
    assert store.add_progress("r1", "each", {"succeeded": 2}) == {"succeeded": 2}
    writer = store._writer
    assert writer is not None
    store.flush()
    # WHEN it has ended
    wait_until(lambda: writer._thread is None)
    # THEN a step and a count queued after are committed by a new writer thread, and the count
    # goes on from the committed one
    store.record_step(Step("r1", "a", "SUCCEEDED", index=0, started_at=T0))
    assert store.add_progress("r1", "each", {"succeeded": 1}) == {"succeeded": 3}
    assert [step.node for step in store.list_steps("r1")] == ["a"]
    assert store.get_progress("r1", "each") == {"succeeded": 3}
    store.close()


def test_a_writer_thread_that_cannot_open_the_database_reports_it_and_keeps_the_counts(tmp_path: Path, monkeypatch):
    # GIVEN a store whose next writer thread cannot open the database
    monkeypatch.setattr(local_writer, "_IDLE_SECONDS", 0.01)
    store = LocalRunStore(tmp_path / "runs.sqlite3", flush_interval=0.001)
    store.create_run(Run(run_id="r1", flow="f"))
    writer = store._writer
    assert writer is not None
    wait_until(lambda: writer._thread is None)
    real = local_writer.open_connection

    def refuse(path: Path) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(local_writer, "open_connection", refuse)
    # WHEN a count and a step are queued
    assert store.add_progress("r1", "each", {"succeeded": 1}) == {"succeeded": 1}
    store.record_step(Step("r1", "a", "SUCCEEDED", index=0, started_at=T0))
    # THEN the next flush raises the error (the step is lost with it)
    with pytest.raises(sqlite3.OperationalError):
        store.flush()
    # AND once the database opens again, the count goes on with the addition not yet written
    monkeypatch.setattr(local_writer, "open_connection", real)
    assert store.add_progress("r1", "each", {"succeeded": 1}) == {"succeeded": 2}
    assert store.get_progress("r1", "each") == {"succeeded": 2}
    store.close()


@pytest.mark.parametrize(
    "step",
    [
        Step("r1", "each/do", "SUCCEEDED", index=7, attempt=1, redrive=2, started_at="2026-01-01T00:00:00.000Z",
             stopped_at="2026-01-01T00:00:00.004Z", duration_ms=4),
        Step("r1", "check", "FAILED", error="Bad.Thing", cause='naïve "quoted" \\ cause\nline 2 ✓'),
        Step("run-é", "nœud/do", "SKIPPED"),
        Step('r"1', 'we"ird\\node/do', "SUCCEEDED", index=123456789, attempt=12, redrive=3),
        Step("r1", "each/do", "SUCCEEDED", index=True),  # type: ignore[arg-type]
        Step("r1", "fetch", "RUNNING", started_at="2026-01-01T00:00:00.000Z", duration_ms=1.5),  # type: ignore[arg-type]
        # (a step that ended well, written in one text: also with odd strings, or not quite)
        Step("r1", "each/do", "SUCCEEDED", index=-3, started_at="été ✓", stopped_at='"\\', duration_ms=0),
        Step("r1", "each/do", "SUCCEEDED", started_at="a", stopped_at="b", duration_ms=True),  # type: ignore[arg-type]
        Step("r1", "each/do", "SUCCEEDED", started_at="a", stopped_at=None, duration_ms=1),
        Step("r1", "each/do", "FAILED", started_at="a", stopped_at="b", duration_ms=1, cause="why"),
    ],
)
def test_a_step_row_is_the_row_of_its_item(step: Step):
    # GIVEN a step (with and without its optional attributes, non-ASCII text, odd values)
    # WHEN its row is made directly, as the store writes every step
    made = local_writer.step_row(step, '{"output":1}')
    # THEN it is the very row of the step's item: the same columns, the body the same text
    from orchestrator.store import items

    assert made == local_writer.row(items.step_item(step, '{"output":1}'))
