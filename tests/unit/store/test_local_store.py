"""The embedded store is shared by processes: a second terminal reaches a waiting local run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from orchestrator.store import LocalRunStore, Run


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
