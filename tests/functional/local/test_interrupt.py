"""GIVEN a `flowctl run` parked on its wait_for node WHEN it gets Ctrl-C (SIGINT) THEN the run is
recorded ABORTED, its waiter is gone (a later event is buffered), one line says how to resume it,
the exit code is 130, and `flowctl redrive` resumes it."""

from __future__ import annotations

import signal
from pathlib import Path

from orchestrator.store.local import LocalRunStore

ROOT = Path(__file__).resolve().parents[3]


def test_ctrl_c_aborts_a_waiting_run_and_drops_its_waiter(spawn, parked, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"FLOWCTL_HOME": str(home)}
    store = LocalRunStore(home / "runs.sqlite3")
    # GIVEN a run parked on its wait_for node (event1, key1)
    waiting = spawn(ROOT, "run", "flows/liteflow-wait-event.json", "-q", env=env)
    run_id = parked(store, waiting, "event1", "key1").run_id
    # WHEN it gets Ctrl-C
    waiting.send_signal(signal.SIGINT)
    out, err = waiting.communicate(timeout=30)
    # THEN it exits 130 with one line saying how to resume it
    assert waiting.returncode == 130, err
    assert err.strip() == f"ABORTED run {run_id} — interrupted; flowctl redrive {run_id} resumes it"
    assert "Traceback" not in err + out
    # AND the run is ABORTED, interrupted, with no waiter left
    run = store.get_run(run_id)
    assert (run.status, run.error, run.cause) == ("ABORTED", "Flow.Interrupted", "interrupted (Ctrl-C)")
    assert store.list_waiters("event1", "key1") == []
    # AND an event published now is kept for the next waiter, not "delivered" to the dead run
    published = spawn(ROOT, "events", "publish", "event1", "--key", "key1", "--data", '{"late": true}', env=env)
    assert "buffered" in published.communicate(timeout=30)[0]
    # AND redrive resumes the run, which receives that event
    redriven = spawn(ROOT, "redrive", run_id, "-q", env=env)
    out, err = redriven.communicate(timeout=60)
    assert redriven.returncode == 0, err
    assert '"late": true' in out
