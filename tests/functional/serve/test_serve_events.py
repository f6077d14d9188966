"""GIVEN runs waiting for events and flows triggered by event patterns WHEN an event is published
(CLI or POST /events, with or without `flowctl serve`) THEN it resumes the waiters and starts the
triggered flows in one go, and says so; `runs cancel` and SIGTERM end runs ABORTED."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

from servepath import FLOWCTL, env_for, flowctl, wait_for

from orchestrator.store.local import LocalRunStore


def store_of(project: Path) -> LocalRunStore:
    return LocalRunStore(project / ".flowctl" / "runs.sqlite3")


def test_an_event_resumes_a_waiter_and_starts_a_triggered_flow_in_one_go(project: Path, serve) -> None:
    server = serve()
    # GIVEN a run of `ship` waiting for order-paid/o-1
    status, body = server.call("POST", "/flows/ship/runs", {"order": "o-1"})
    assert status == 201, body
    waiting = body["run"]["run_id"]
    wait_for(lambda: store_of(project).list_waiters("order-paid", "o-1"), "the waiter")
    listed = flowctl(project, "events", "list")
    assert waiting in listed.stdout and "order-paid" in listed.stdout
    # WHEN order-paid/o-1 is published
    published = flowctl(project, "events", "publish", "order-paid", "--key", "o-1",
                        "--data", '{"order": "o-1", "total": 120}')
    # THEN the waiting run resumed and the `invoice` flow (its trigger matches) started
    assert published.returncode == 0, published.stderr
    assert f"resumed 1 run(s): delivered to {waiting}" in published.stdout
    assert "started run invoice-t1-" in published.stdout and "in flowctl serve" in published.stdout
    assert server.finished(waiting)["output"] == {"order": "o-1", "paid": {"order": "o-1", "total": 120}}
    (invoice,) = server.runs("invoice")
    assert server.finished(invoice["run_id"])["output"] == {"order": "o-1", "due": 120}
    assert invoice["trigger"] == "event"


def test_post_events_is_the_clouds_and_reaches_the_bus(project: Path, serve) -> None:
    server = serve()
    status, body = server.call("POST", "/events", {"event": "order-paid", "key": "o-2", "data": {"order": "o-2", "total": 5}})
    # THEN, as in the cloud with an event bus, the API answers 202 with the event id
    assert status == 202 and body["published"] == "bus" and body["event_id"]
    (invoice,) = wait_for(lambda: server.runs("invoice"), "the triggered run")
    assert invoice["run_id"] == f"invoice-t1-{body['event_id']}"
    assert server.finished(invoice["run_id"])["output"] == {"order": "o-2", "due": 5}
    # AND a pattern that does not match starts nothing (total must be > 0); the event is buffered
    status, body = server.call("POST", "/local/events", {"event": "order-paid", "key": "o-3", "data": {"order": "o-3", "total": 0}})
    assert status == 200 and body["started"] == [] and body["buffered"] is True


def test_publishing_without_serve_starts_the_triggered_flow_here(project: Path) -> None:
    published = flowctl(project, "events", "publish", "order-paid", "--key", "o-4", "--data", '{"order": "o-4", "total": 7}')
    assert published.returncode == 0, published.stderr
    assert "started run invoice-t1-" in published.stdout and "SUCCEEDED" in published.stdout
    assert "buffered: the first run to wait for order-paid/o-4 receives it" in published.stdout
    # AND an event nobody waits for and no trigger matches is reported
    nobody = flowctl(project, "events", "publish", "--source", "shop.other", "--detail-type", "Nope", "--detail", "{}")
    assert nobody.returncode == 0 and "warning: no flow waits for this event" in nobody.stderr


def test_runs_cancel_aborts_a_served_run(project: Path, serve) -> None:
    server = serve()
    status, body = server.call("POST", "/flows/pause/runs", {})
    run_id = body["run"]["run_id"]
    cancelled = flowctl(project, "runs", "cancel", run_id)
    assert cancelled.returncode == 0, cancelled.stderr
    run = server.run(run_id)
    assert run["status"] == "ABORTED" and run["error"] == "flowctl.Cancelled"
    again = flowctl(project, "runs", "cancel", run_id)
    assert again.returncode == 1 and "is ABORTED" in again.stderr
    # AND it can be redriven in the server that ran it
    redriven = flowctl(project, "redrive", run_id)
    assert redriven.returncode == 0, redriven.stderr
    assert "is RUNNING again (redriven in flowctl serve" in redriven.stdout
    assert server.run(run_id)["redrive_count"] == 1


def test_stopping_serve_aborts_its_running_runs(project: Path, serve) -> None:
    server = serve()
    status, body = server.call("POST", "/flows/pause/runs", {})
    run_id = body["run"]["run_id"]
    assert server.stop(signal.SIGTERM) == 0
    run = store_of(project).get_run(run_id, steps=False)
    assert run is not None and run.status == "ABORTED"
    # AND a later serve cannot redrive it (its execution went with the process), and says so
    serve()
    refused = flowctl(project, "redrive", run_id)
    assert refused.returncode == 1 and "has stopped since" in refused.stderr


def parked_run(project: Path, process: subprocess.Popen[str]) -> str:
    def started() -> str | None:
        assert process.poll() is None, process.communicate()
        runs = store_of(project).list_runs("ship").runs if (project / ".flowctl" / "runs.sqlite3").exists() else []
        return runs[0].run_id if runs and store_of(project).list_waiters("order-paid", "o-9") else None

    return str(wait_for(started, "the run to wait"))


def test_runs_cancel_stops_a_flowctl_run_process(project: Path) -> None:
    process = subprocess.Popen([*FLOWCTL, "run", "flows/ship.json", "-p", "order=o-9", "-q"], cwd=project,
                               env=env_for(project), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    run_id = parked_run(project, process)
    cancelled = flowctl(project, "runs", "cancel", run_id)
    assert cancelled.returncode == 0, cancelled.stderr
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1 and "ABORTED" in err
    run = store_of(project).get_run(run_id, steps=False)
    assert run is not None and run.status == "ABORTED" and run.error == "flowctl.Cancelled"


def test_sigterm_aborts_a_flowctl_run_and_it_can_be_redriven(project: Path) -> None:
    process = subprocess.Popen([*FLOWCTL, "run", "flows/ship.json", "-p", "order=o-9", "-q"], cwd=project,
                               env=env_for(project), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    run_id = parked_run(project, process)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and f"flowctl redrive {run_id}" in err
    run = store_of(project).get_run(run_id, steps=False)
    assert run is not None and run.status == "ABORTED" and run.cause == "interrupted (SIGTERM)"
    assert store_of(project).list_waiters("order-paid", "o-9") == []


def test_run_with_a_virtual_clock_skips_the_wait(project: Path) -> None:
    done = flowctl(project, "run", "flows/pause.json", "--virtual-clock", "-q")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"ok": True}


def test_run_with_a_virtual_clock_skips_retry_back_off(project: Path) -> None:
    # GIVEN a node that fails twice, retried after an hour, then two hours
    done = flowctl(project, "run", "flows/flaky.json", "--virtual-clock", "-q")
    # THEN the third attempt runs at once on the virtual clock
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"attempts": 3}
