"""liteflow-wait-event the cloud way: the real waiter registers the run's task token in
DynamoDB, and an event through ``POST /events`` or the event_router resumes the execution in
the engine exactly once."""

from __future__ import annotations

from typing import Any

from cloudpath import Cloud, parked, sample_event

DATA = {"order": "o-1", "amount": 42.5}
EVENT = {"event": "event1", "key": "key1", "data": DATA}


def eventbridge_event(name: str, key: str, data: Any) -> dict[str, Any]:
    """A custom EventBridge event as the event_router receives it."""
    event = sample_event("event_router-payment-received.json")
    event.update({"detail-type": name, "detail": {"key": key, "data": data}})
    return dict(event)


def test_run_parks_at_the_waiter_until_the_event_is_posted(cloud: Cloud) -> None:
    # GIVEN a run of liteflow-wait-event started through the API
    run = cloud.start("liteflow-wait-event")
    # WHEN it reaches its wait_for node
    assert cloud.bridge.wait_until(run["execution_arn"], parked)
    # THEN the real waiter registered the task token in DynamoDB, and the run is RUNNING
    [waiter] = cloud.store.list_waiters("event1", "key1")
    assert (waiter.run_id, waiter.node) == (run["run_id"], "wait")
    cloud.deliver()
    assert cloud.get_run(run["run_id"])["status"] == "RUNNING"
    # WHEN the event is posted
    status, body = cloud.api("POST", "/events", EVENT)
    # THEN it resumes that run, is not buffered, and the run completes with the event's data
    assert status == 200 and body["published"] == "direct" and not body["buffered"]
    assert body["resumed"] == [{"run_id": run["run_id"], "node": "wait"}]
    done = cloud.finish(run)
    assert (done["status"], done["output"]) == (
        "SUCCEEDED",
        {"event": "event1", "key": "key1", "data": DATA},
    )
    assert cloud.store.list_waiters("event1", "key1") == []


def test_event_published_before_the_run_waits_is_delivered_once(cloud: Cloud) -> None:
    # GIVEN event1/key1 arriving through EventBridge before any run waits for it
    routed = cloud.invoke("event_router", eventbridge_event("event1", "key1", DATA))
    assert routed["buffered"] and routed["resumed"] == []
    # WHEN a run reaches its wait_for node
    first = cloud.finish(cloud.start("liteflow-wait-event"))
    # THEN the waiter consumed the buffered event at once: the run completed with its data
    assert (first["status"], first["output"]["data"]) == ("SUCCEEDED", DATA)
    assert cloud.store.list_buffered_events("event1", "key1") == []
    # AND a second run on the same key does not get it again: it waits
    second = cloud.start("liteflow-wait-event")
    assert cloud.bridge.wait_until(second["execution_arn"], parked)
    assert (
        cloud.bridge.describe_execution(executionArn=second["execution_arn"])["status"] == "RUNNING"
    )
    assert [w.run_id for w in cloud.store.list_waiters("event1", "key1")] == [second["run_id"]]


def test_one_event_resumes_every_run_waiting_on_its_key(cloud: Cloud) -> None:
    # GIVEN two runs waiting on key1 and one on key2
    runs = []
    for key in ("key1", "key1", "key2"):
        runs.append(cloud.start("liteflow-wait-event", {"key": key}))
        assert cloud.bridge.wait_until(runs[-1]["execution_arn"], parked)
    # WHEN event1/key1 is posted
    status, body = cloud.api("POST", "/events", EVENT)
    # THEN both key1 runs complete with it; the key2 run still waits
    assert status == 200
    assert sorted(r["run_id"] for r in body["resumed"]) == sorted(r["run_id"] for r in runs[:2])
    assert [cloud.finish(run)["output"]["data"] for run in runs[:2]] == [DATA, DATA]
    assert cloud.get_run(runs[2]["run_id"])["status"] == "RUNNING"


def test_cancelled_waiting_run_is_aborted_and_its_token_dropped(cloud: Cloud) -> None:
    # GIVEN a run waiting for event1/key1
    run = cloud.start("liteflow-wait-event")
    assert cloud.bridge.wait_until(run["execution_arn"], parked)
    # WHEN it is cancelled through the API
    status, body = cloud.api("POST", f"/runs/{run['run_id']}/cancel")
    # THEN it is ABORTED, and so is its execution in the engine
    assert status == 200 and body["run"]["status"] == "ABORTED"
    described = cloud.bridge.describe_execution(executionArn=run["execution_arn"])
    assert (described["status"], described["error"]) == ("ABORTED", "flowctl.Cancelled")
    # AND the tracker's ABORTED event changes nothing (the API recorded it first)
    assert [(t["status"], t["applied"]) for t in cloud.deliver()] == [
        ("RUNNING", False),
        ("ABORTED", False),
    ]
    # WHEN the event comes after all
    status, body = cloud.api("POST", "/events", EVENT)
    # THEN the dead token is dropped (SendTaskSuccess answers TaskDoesNotExist), the event kept
    assert status == 200
    assert (body["resumed"], body["dropped_stale"], body["buffered"]) == ([], 1, True)
    assert cloud.get_run(run["run_id"])["status"] == "ABORTED"
