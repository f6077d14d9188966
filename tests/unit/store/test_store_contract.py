"""The RunStore contract, run on both backends (local SQLite and DynamoDB on moto)."""

from __future__ import annotations

import threading

import pytest

from orchestrator.errors import FlowctlError
from orchestrator.store import (
    InvalidNextTokenError,
    Run,
    RunAlreadyExistsError,
    RunStatus,
    Step,
)


def _run(run_id: str = "r1", flow: str = "kyc-check", **fields) -> Run:
    return Run(run_id=run_id, flow=flow, **fields)


# ---------------------------------------------------------------- runs
def test_created_run_is_read_back_with_its_fields(store):
    # GIVEN a new run with params and an idempotency key
    store.create_run(_run(version=2, input={"user_id": "u1", "score": 0.5}, idempotency_key="r1"))
    # WHEN it is read
    run = store.get_run("r1")
    # THEN every field is there, status PENDING, no steps yet
    assert run.flow == "kyc-check"
    assert run.version == 2
    assert run.status == RunStatus.PENDING
    assert run.input == {"user_id": "u1", "score": 0.5}
    assert run.idempotency_key == "r1"
    assert run.started_at and run.started_at.endswith("Z")
    assert run.steps == []


def test_unknown_run_is_none(store):
    assert store.get_run("nope") is None


def test_same_idempotency_key_returns_the_existing_run(store):
    # GIVEN a run created with an idempotency key
    first = store.create_run(_run(input={"a": 1}, idempotency_key="k-1", run_id="k-1"))
    # WHEN the same request is repeated
    again = store.create_run(_run(input={"a": 1}, idempotency_key="k-1", run_id="k-1"))
    # THEN the existing run comes back, and there is still one run
    assert again.run_id == first.run_id
    assert again.started_at == first.started_at
    assert [r.run_id for r in store.list_runs("kyc-check").runs] == ["k-1"]


def test_taken_run_id_without_matching_key_is_a_domain_error(store):
    store.create_run(_run())
    with pytest.raises(RunAlreadyExistsError) as caught:
        store.create_run(_run())
    # the error belongs to flowctl's hierarchy and chains the backend's condition failure
    assert isinstance(caught.value, FlowctlError)
    assert caught.value.__cause__ is not None


def test_status_is_monotonic_and_idempotent(store):
    # GIVEN a run that has succeeded
    store.create_run(_run())
    assert store.update_run_status("r1", RunStatus.RUNNING, execution_arn="arn:x")
    assert store.update_run_status("r1", RunStatus.SUCCEEDED, output={"ok": True})
    # WHEN a late RUNNING event and a duplicate SUCCEEDED arrive, and then a FAILED
    late = store.update_run_status("r1", RunStatus.RUNNING)
    duplicate = store.update_run_status("r1", RunStatus.SUCCEEDED, output={"ok": "other"})
    other_terminal = store.update_run_status("r1", RunStatus.FAILED, error="X")
    # THEN none of them applied and the run keeps its terminal state
    assert (late, duplicate, other_terminal) == (False, False, False)
    run = store.get_run("r1")
    assert run.status == RunStatus.SUCCEEDED
    assert run.output == {"ok": True}
    assert run.error is None
    assert run.execution_arn == "arn:x"
    assert run.stopped_at is not None


def test_failure_records_error_and_cause(store):
    store.create_run(_run())
    store.update_run_status("r1", RunStatus.FAILED, error="States.TaskFailed", cause="boom")
    run = store.get_run("r1")
    assert (run.status, run.error, run.cause) == ("FAILED", "States.TaskFailed", "boom")


def test_redrive_round_may_run_again_after_failure(store):
    # GIVEN a failed run
    store.create_run(_run())
    store.update_run_status("r1", RunStatus.FAILED, error="E", cause="c")
    # WHEN the redriven execution reports RUNNING (redrive 1), then SUCCEEDED
    assert store.update_run_status("r1", RunStatus.RUNNING, redrive_count=1)
    running = store.get_run("r1")
    assert store.update_run_status("r1", RunStatus.SUCCEEDED, redrive_count=1, output=1)
    # THEN the failure was cleared while running, and the final state is the redrive's
    assert (running.status, running.error, running.stopped_at) == ("RUNNING", None, None)
    run = store.get_run("r1")
    assert (run.status, run.redrive_count, run.output) == ("SUCCEEDED", 1, 1)
    # and a late event of the first round changes nothing
    assert not store.update_run_status("r1", RunStatus.FAILED, redrive_count=0)


def test_status_change_of_an_unknown_run_creates_it(store):
    # GIVEN an execution started by a schedule (no run record)
    # WHEN its status changes
    applied = store.update_run_status(
        "sched-1",
        RunStatus.RUNNING,
        flow="nightly",
        execution_arn="arn:aws:states:us-east-1:1:execution:nightly:sched-1",
        input={"day": "2026-11-02"},
        started_at="2026-11-02T02:00:00.000Z",
        trigger="schedule",
    )
    # THEN the run exists and is listed under its flow
    assert applied
    run = store.get_run("sched-1")
    assert (run.flow, run.status, run.trigger, run.input) == (
        "nightly",
        "RUNNING",
        "schedule",
        {"day": "2026-11-02"},
    )
    assert run.started_at == "2026-11-02T02:00:00.000Z"
    assert [r.run_id for r in store.list_runs("nightly").runs] == ["sched-1"]


def test_list_runs_newest_first_with_opaque_pagination(store, clock):
    # GIVEN five runs of one flow, one of another
    for i in range(5):
        store.create_run(_run(f"r{i}"))
        clock.advance(1)
    store.create_run(_run("other", flow="other-flow"))
    # WHEN listed two at a time
    pages, token = [], None
    while True:
        page = store.list_runs("kyc-check", limit=2, next_token=token)
        pages.append([r.run_id for r in page.runs])
        token = page.next_token
        if token is None:
            break
    # THEN all five, newest first, in pages of two, no empty last page
    assert pages == [["r4", "r3"], ["r2", "r1"], ["r0"]]


def test_a_foreign_next_token_is_rejected(store):
    store.create_run(_run("a"))
    store.create_run(_run("b"))
    token = store.list_runs("kyc-check", limit=1).next_token
    assert token
    with pytest.raises(InvalidNextTokenError):
        store.list_runs("another-flow", next_token=token)
    with pytest.raises(InvalidNextTokenError):
        store.list_runs("kyc-check", next_token="not-a-token!")


# ---------------------------------------------------------------- steps and progress
def test_steps_come_back_with_the_run(store, clock):
    store.create_run(_run())
    store.record_step(
        Step(
            "r1",
            "get-image",
            "SUCCEEDED",
            started_at="2026-01-01T00:00:00.000Z",
            output={"img": "s3://x"},
        )
    )
    store.record_step(
        Step(
            "r1",
            "face-detect",
            "FAILED",
            attempt=0,
            started_at="2026-01-01T00:00:01.000Z",
            error="ValueError",
            cause="no face",
        )
    )
    store.record_step(
        Step(
            "r1",
            "face-detect",
            "SUCCEEDED",
            attempt=1,
            started_at="2026-01-01T00:00:02.000Z",
            output={"faces": 1},
        )
    )
    run = store.get_run("r1")
    assert [(s.node, s.attempt, s.status) for s in run.steps] == [
        ("get-image", 0, "SUCCEEDED"),
        ("face-detect", 0, "FAILED"),
        ("face-detect", 1, "SUCCEEDED"),
    ]
    assert run.steps[1].error == "ValueError"
    assert run.steps[2].output == {"faces": 1}


def test_each_redrive_round_keeps_its_own_steps(store):
    # GIVEN a run whose node failed at attempt 0 of the first round
    store.create_run(_run())
    store.record_step(
        Step(
            "r1",
            "send-report",
            "FAILED",
            started_at="2026-01-01T00:00:01.000Z",
            error="EmailSendError",
        )
    )
    # WHEN the redriven round records the same node, item and attempt (the retry count restarts)
    store.record_step(
        Step(
            "r1",
            "send-report",
            "SUCCEEDED",
            redrive=1,
            started_at="2026-01-02T00:00:01.000Z",
            output={"sent": True},
        )
    )
    # THEN both rounds' steps are there, in the run and by node, the failed one unchanged
    expected = [(0, 0, "FAILED", "EmailSendError"), (1, 0, "SUCCEEDED", None)]
    for steps in (store.get_run("r1").steps, store.list_steps("r1", "send-report")):
        assert [(s.redrive, s.attempt, s.status, s.error) for s in steps] == expected
    # AND re-recording an attempt of a round still replaces only that round's record
    later = "2026-01-02T00:00:02.000Z"
    store.record_step(Step("r1", "send-report", "SUCCEEDED", redrive=1, started_at=later))
    assert [(s.redrive, s.started_at) for s in store.list_steps("r1", "send-report")] == [
        (0, "2026-01-01T00:00:01.000Z"),
        (1, later),
    ]


def test_large_payloads_are_offloaded_or_omitted(make_store):
    # GIVEN a store with a small inline limit and an offloader
    seen = []

    def offload(value, hint):
        seen.append(hint)
        return {"$ref": f"s3://bucket/{hint}.json"}

    store = make_store(inline_limit=100, offload=offload)
    plain = make_store(inline_limit=100)
    store.create_run(_run(input={"blob": "x" * 500}))
    plain.create_run(_run("r2", input={"blob": "x" * 500}))
    # THEN the offloaded value is a ref, and without an offloader it is marked as omitted
    assert store.get_run("r1").input == {"$ref": "s3://bucket/runs/r1/input.json"}
    assert plain.get_run("r2").input == {
        "$omitted": True,
        "bytes": len('{"blob":"' + "x" * 500 + '"}'),
    }
    assert seen == ["runs/r1/input"]


def test_progress_counters_add_up_across_writers(make_store):
    # GIVEN fan-out items reporting through several store instances (several Lambdas)
    writers = [make_store() for _ in range(3)]
    writers[0].create_run(_run())
    # WHEN each reports its outcome
    for n in range(8):
        writers[n % 3].add_progress("r1", "fan", {"succeeded": 1})
    totals = writers[1].add_progress("r1", "fan", {"failed": 2, "succeeded": 0})
    # THEN the counters hold every increment, and the run shows them
    assert totals == {"succeeded": 8, "failed": 2}
    assert writers[2].get_progress("r1", "fan") == {"succeeded": 8, "failed": 2}
    assert writers[2].get_run("r1").progress == {"fan": {"succeeded": 8, "failed": 2}}


def test_counting_without_reading_back_adds_the_same(make_store):
    # GIVEN a fan-out counted by items that do not read the counters back (each @node item)
    writers = [make_store() for _ in range(2)]
    writers[0].set_progress_total("r1", "fan", 3)
    # WHEN they count, next to a writer that reads them back
    assert writers[0].count_progress("r1", "fan", {"succeeded": 1}) is None
    writers[1].count_progress("r1", "fan", {"succeeded": 1, "failed": 1})
    # THEN every addition is there, and a bad counter name is refused as by add_progress
    assert writers[1].add_progress("r1", "fan", {"succeeded": 0}) == {"total": 3, "succeeded": 2, "failed": 1}
    assert writers[0].get_progress("r1", "fan") == {"total": 3, "succeeded": 2, "failed": 1}
    from orchestrator.store.errors import InvalidCounterNameError

    with pytest.raises(InvalidCounterNameError):
        writers[0].count_progress("r1", "fan", {"bad name": 1})


def test_a_bad_counter_name_is_refused_whatever_was_counted_before(make_store):
    # GIVEN a store that has counted with good names already (they are checked once)
    from orchestrator.store.errors import InvalidCounterNameError

    store = make_store()
    store.add_progress("r1", "fan", {"succeeded": 1, "failed_items": 2})
    store.add_progress("r1", "fan", {"succeeded": 1})
    # WHEN a name that is not letters, digits and '_' comes, alone or next to good ones
    # THEN it is refused every time, and nothing of that call is counted
    for counters in ({"bad-name": 1}, {"succeeded": 1, "bad name": 1}, {"bad-name": 1}):
        with pytest.raises(InvalidCounterNameError):
            store.add_progress("r1", "fan", counters)
    # AND a name met for the first time is counted next to the known ones, in the item's order
    assert store.add_progress("r1", "fan", {"retried": 1}) == {"succeeded": 2, "failed_items": 2, "retried": 1}
    assert store.get_progress("r1", "fan") == {"succeeded": 2, "failed_items": 2, "retried": 1}


def test_local_progress_counters_are_atomic_under_threads(tmp_path):
    # SQLite backend only: moto serves concurrent UpdateItem calls without DynamoDB's per-item
    # atomicity, and DynamoDB's ADD is atomic by contract.
    from orchestrator.store import LocalRunStore

    store = LocalRunStore(tmp_path / "runs.sqlite3")
    threads = [
        threading.Thread(target=store.add_progress, args=("r1", "fan", {"succeeded": 1}))
        for _ in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get_progress("r1", "fan") == {"succeeded": 16}


# ---------------------------------------------------------------- waiters and buffered events
def test_each_waiter_is_taken_once(make_store):
    # GIVEN two waiters on one event key, and two routers sharing the store
    a, b = make_store(), make_store()
    a.register_waiter(
        "payment.received", "order-42", run_id="r1", node="pay", token="t1", expires_in=60
    )
    a.register_waiter(
        "payment.received", "order-42", run_id="r2", node="pay", token="t2", expires_in=60
    )
    # WHEN both routers take the waiters
    first = a.take_waiters("payment.received", "order-42")
    second = b.take_waiters("payment.received", "order-42")
    # THEN the first gets both, the second none
    assert sorted(w.token for w in first) == ["t1", "t2"]
    assert second == []


def test_expired_waiters_are_dropped_not_returned(store, clock):
    store.register_waiter("e", "k", run_id="r1", node="n", token="old", expires_in=10)
    clock.advance(11)
    assert store.list_waiters("e", "k") == []
    assert store.take_waiters("e", "k") == []
    assert store.take_waiters("e", "k") == []


def test_buffered_event_is_consumed_once_oldest_first(store, clock):
    store.buffer_event("e", "k", {"n": 1})
    clock.advance(1)
    store.buffer_event("e", "k", {"n": 2})
    assert store.take_buffered_event("e", "k").data == {"n": 1}
    assert store.take_buffered_event("e", "k").data == {"n": 2}
    assert store.take_buffered_event("e", "k") is None


def test_buffered_event_expires(store, clock):
    store.buffer_event("e", "k", {"n": 1}, ttl_seconds=60)
    clock.advance(61)
    assert store.take_buffered_event("e", "k") is None


def test_waiter_and_event_are_claimed_together_once(make_store):
    # GIVEN a buffered event and a waiter (a waiter function and a router racing)
    waiter_side, router_side = make_store(), make_store()
    event = router_side.buffer_event("e", "k", {"paid": True})
    waiter = waiter_side.register_waiter("e", "k", run_id="r1", node="n", token="t", expires_in=60)
    # WHEN both try to pair them
    got_event = waiter_side.claim_buffered_event(waiter)
    got_waiter = router_side.claim_waiter(event)
    # THEN exactly one side made the match and both items are gone
    assert got_event is not None and got_event.data == {"paid": True}
    assert got_waiter is None
    assert router_side.list_waiters("e", "k") == []
    assert router_side.list_buffered_events("e", "k") == []


def test_claiming_for_a_taken_waiter_leaves_the_event_buffered(store):
    store.buffer_event("e", "k", 1)
    waiter = store.register_waiter("e", "k", run_id="r1", node="n", token="t", expires_in=60)
    assert store.take_waiters("e", "k") == [waiter]
    assert store.claim_buffered_event(waiter) is None
    assert [e.data for e in store.list_buffered_events("e", "k")] == [1]
