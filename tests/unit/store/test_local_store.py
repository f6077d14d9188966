"""The embedded store is shared by processes: a second terminal reaches a waiting local run."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from pathlib import Path

from orchestrator.store import LocalRunStore, Run, Step
from orchestrator.store import items as it

T0 = "2026-01-01T00:00:00.000Z"


def test_a_second_process_sees_and_consumes_what_the_first_wrote(tmp_path: Path):
    # GIVEN a local run waiting for an event, recorded in .flowctl/runs.sqlite3
    path = tmp_path / ".flowctl" / "runs.sqlite3"
    store = LocalRunStore(path)
    store.create_run(Run(run_id="r1", flow="orders"))
    store.register_waiter(
        "payment.received", "order-42", run_id="r1", node="pay", token="t1", expires_in=600
    )
    # WHEN another process (`flowctl events publish` in a second terminal) takes the waiters
    script = textwrap.dedent(
        f"""
        from orchestrator.store import LocalRunStore
        store = LocalRunStore({str(path)!r})
        taken = store.take_waiters("payment.received", "order-42")
        store.update_run_status("r1", "SUCCEEDED", output={{"paid": True}})
        print(",".join(w.token for w in taken))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    # THEN it got the waiter, and the first process sees the waiter gone and the run finished
    assert out.stdout.strip() == "t1"
    assert store.list_waiters("payment.received", "order-42") == []
    assert store.get_run("r1").output == {"paid": True}


def test_the_store_file_survives_the_instance(tmp_path: Path):
    path = tmp_path / "runs.sqlite3"
    LocalRunStore(path).create_run(Run(run_id="r1", flow="orders", input={"a": 1}))
    assert LocalRunStore(path).get_run("r1").input == {"a": 1}


def _old_database(path: Path) -> None:
    """A runs.sqlite3 as flowctl wrote it before redrive rounds: step keys
    ``STEP#<node>#<index>#<attempt>``, no ``redrive`` attribute, ``user_version`` 0."""
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE items (pk TEXT NOT NULL, sk TEXT NOT NULL, gsi1pk TEXT, gsi1sk TEXT,"
        " body TEXT NOT NULL, PRIMARY KEY (pk, sk));"
        "CREATE INDEX items_gsi1 ON items (gsi1pk, gsi1sk);"
    )
    run = it.run_item(Run(run_id="r1", flow="orders", status="FAILED", started_at=T0), None, None)
    rows = [run]
    for attempt in (0, 1, 2):
        rows.append(
            {
                "PK": "RUN#r1",
                "SK": f"STEP#fetch#0#{attempt}",
                "type": "step",
                "run_id": "r1",
                "node": "fetch",
                "index": 0,
                "attempt": attempt,
                "status": "FAILED",
                "started_at": f"2026-01-01T00:00:0{attempt}.000Z",
                "error": "HttpError",
            }
        )
    conn.executemany(
        "INSERT INTO items VALUES (?, ?, ?, ?, ?)",
        [(i["PK"], i["SK"], i.get("GSI1PK"), i.get("GSI1SK"), json.dumps(i)) for i in rows],
    )
    conn.commit()
    conn.close()


def test_a_database_of_the_previous_layout_is_migrated_in_place(tmp_path: Path):
    # GIVEN a run recorded before redrive rounds existed (three failed attempts of fetch)
    path = tmp_path / "runs.sqlite3"
    _old_database(path)
    # WHEN this version opens it and the run is redriven (attempt 0 again, round 1)
    store = LocalRunStore(path)
    store.record_step(
        Step("r1", "fetch", "SUCCEEDED", redrive=1, started_at="2026-01-02T00:00:00.000Z")
    )
    # THEN the earlier run still shows every attempt, as round 0, and the new round is added
    run = store.get_run("r1")
    assert [(s.redrive, s.attempt, s.status) for s in run.steps] == [
        (0, 0, "FAILED"),
        (0, 1, "FAILED"),
        (0, 2, "FAILED"),
        (1, 0, "SUCCEEDED"),
    ]
    assert [r.run_id for r in store.list_runs("orders").runs] == ["r1"]
    # AND the old items are re-keyed (re-recording round 0 replaces them, never duplicates)
    store.record_step(
        Step(
            "r1", "fetch", "FAILED", attempt=2, started_at=run.steps[2].started_at, error="Timeout"
        )
    )
    assert [(s.attempt, s.error) for s in store.list_steps("r1") if s.redrive == 0] == [
        (0, "HttpError"),
        (1, "HttpError"),
        (2, "Timeout"),
    ]
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        keys = [
            k for (k,) in conn.execute("SELECT sk FROM items WHERE sk LIKE 'STEP#%' ORDER BY sk")
        ]
    assert keys == [it.step_sk("fetch", 0, r, a) for r, a in ((0, 0), (0, 1), (0, 2), (1, 0))]


def test_a_database_of_layout_2_keeps_its_outputs_and_writes_new_ones_in_their_column(tmp_path: Path):
    # GIVEN a database of layout 2: each item's output_json inside its JSON body
    path = tmp_path / "runs.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE items (pk TEXT NOT NULL, sk TEXT NOT NULL, gsi1pk TEXT, gsi1sk TEXT,"
        " body TEXT NOT NULL, PRIMARY KEY (pk, sk));"
        "CREATE INDEX items_gsi1 ON items (gsi1pk, gsi1sk); PRAGMA user_version = 2;"
    )
    run = it.run_item(Run(run_id="r1", flow="orders", status="RUNNING", started_at=T0), None, '{"n":1}')
    step = it.step_item(Step("r1", "fetch", "SUCCEEDED", started_at=T0), '{"output":{"rows":3}}')
    conn.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?)",
                     [(i["PK"], i["SK"], i.get("GSI1PK"), i.get("GSI1SK"), json.dumps(i)) for i in (run, step)])
    conn.commit()
    conn.close()
    # WHEN this version opens it, records a step and finishes the run
    store = LocalRunStore(path)
    store.record_step(Step("r1", "sum", "SUCCEEDED", started_at="2026-01-02T00:00:00.000Z", output={"total": 6}))
    store.update_run_status("r1", "SUCCEEDED", output={"total": 6})
    # THEN the old step's output and the new ones read back
    found = store.get_run("r1")
    assert [(s.node, s.output) for s in found.steps] == [("fetch", {"output": {"rows": 3}}), ("sum", {"total": 6})]
    assert found.output == {"total": 6}
    # AND the new outputs are in the column, as their text, and not in the body
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        rows = dict(conn.execute("SELECT sk, output_json FROM items").fetchall())
        body = conn.execute("SELECT body FROM items WHERE sk = 'RUN'").fetchone()[0]
    assert rows["STEP#fetch#00000000#0000#0000"] is None
    assert json.loads(rows[it.step_sk("sum", 0, 0, 0)]) == {"total": 6}
    assert rows["RUN"] == '{"total":6}' and "output_json" not in json.loads(body)


def test_counter_additions_queued_together_are_written_as_one(tmp_path: Path):
    # GIVEN a store whose writer commits at most every hour (or when a read flushes it)
    store = LocalRunStore(tmp_path / "runs.sqlite3", flush_interval=3600)
    store.create_run(Run(run_id="r1", flow="f"))
    writer = store._writer
    assert writer is not None
    # WHEN 50 items are counted, the total set once and a step recorded in between
    seen = [store.add_progress("r1", "each", {"succeeded": 1})["succeeded"] for _ in range(25)]
    store.set_progress_total("r1", "each", 50)
    store.record_step(Step("r1", "each/do", "SUCCEEDED", index=0, started_at=T0))
    seen += [store.add_progress("r1", "each", {"succeeded": 1})["succeeded"] for _ in range(25)]
    # THEN each call saw the count so far, the queue holds one addition of the node (and the
    # step), and what is written is every addition
    assert seen == list(range(1, 51))
    assert len(writer._queue) == 2
    assert store.get_progress("r1", "each") == {"succeeded": 50, "total": 50}
    # AND an addition queued after the writer took the earlier ones is written too
    assert store.add_progress("r1", "each", {"failed": 1}) == {"succeeded": 50, "total": 50, "failed": 1}
    assert store.get_progress("r1", "each") == {"succeeded": 50, "total": 50, "failed": 1}
    store.close()


def test_the_connection_that_creates_the_table_serves_its_thread(tmp_path: Path, monkeypatch) -> None:
    # GIVEN a new store WHEN a thread first uses it THEN it opens the database once (closing the
    # creating connection, the only one open, would checkpoint the WAL to disk: 3 syncs per start)
    from orchestrator.store import local_writer

    opened: list[sqlite3.Connection] = []
    real = local_writer.open_connection

    def counting(path: Path) -> sqlite3.Connection:
        conn = real(path)
        opened.append(conn)
        return conn

    monkeypatch.setattr(local_writer, "open_connection", counting)
    store = LocalRunStore(tmp_path / "runs.sqlite3")
    store.create_run(Run(run_id="r1", flow="orders"))
    assert store.get_run("r1") is not None
    assert len(opened) == 1
    store.close()
    assert LocalRunStore(tmp_path / "runs.sqlite3").get_run("r1") is not None
