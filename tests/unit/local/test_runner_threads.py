"""GIVEN a local run with a run store WHEN it returns THEN none of its threads uses the store any
more: the caller may close the store and delete its folder at once; and an interrupted run whose
engine thread does not end in time still returns its history so far."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from orchestrator.compiler import compile_flow
from orchestrator.flowlang.loader import parse_flow
from orchestrator.flowlang.project import Project
from orchestrator.local import runner
from orchestrator.local.runner import LocalRunner
from orchestrator.store.local import LocalRunStore


def test_a_run_returns_only_once_its_event_poller_is_done_with_the_store(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a run of a short Wait, whose event poller is held inside a check of the store
    (tmp_path / "flows").mkdir()
    (tmp_path / "functions").mkdir()
    compiled = compile_flow(parse_flow({"name": "tiny", "nodes": {"a": {"wait": {"seconds": 1}}}}))
    store = LocalRunStore(tmp_path / "runs.sqlite3")
    inside, release = threading.Event(), threading.Event()
    checked = runner._Waiters._check_cancelled

    def held_check(self: Any) -> None:
        inside.set()
        release.wait(60)
        checked(self)

    monkeypatch.setattr(runner, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(runner._Waiters, "_check_cancelled", held_check)
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.update(run=LocalRunner(Project(tmp_path), store).run(compiled, {})))
    thread.start()
    assert inside.wait(60)
    # WHEN the flow has ended (its Wait is over) while the poller is still inside its check
    thread.join(3)
    # THEN the run has not returned; it does once the check is done, with the poller ended
    assert thread.is_alive() and "run" not in result
    release.set()
    thread.join(60)
    assert result["run"].status == "SUCCEEDED"
    assert not [t for t in threading.enumerate() if t.name == "flowctl-events"]
    store.close()


def test_an_interrupted_run_that_does_not_stop_in_time_keeps_its_history_so_far(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a run whose engine does not end within the grace period after it is stopped (its
    # function holds on), the events written so far kept by the engine (not by the recorder)
    monkeypatch.setattr(runner, "STOP_GRACE_SECONDS", 0.01)
    release = threading.Event()
    so_far = [{"id": 1, "type": "ExecutionStarted"}, {"id": 2, "type": "TaskStateEntered"}]

    class Stuck:
        def start(self, value: Any, **options: Any) -> None:
            release.wait(5)

        def stop(self, name: str, **options: Any) -> None:
            pass

        def history_so_far(self, name: str) -> list[dict[str, Any]]:
            return so_far if name == "r1" else []

    started = runner._Started(Stuck(), "r1", {})
    # WHEN it is interrupted
    result = started.interrupt("Ctrl-C")
    release.set()
    # THEN it is ABORTED with the history written so far
    assert (result.status, result.cause, result.history) == ("ABORTED", "Ctrl-C", so_far)
