"""wait_for: the waiter registers task tokens, the event router resumes them exactly once."""

from __future__ import annotations

import copy
import json
import time

import pytest

ORDER_DATA = {
    "order_id": "order-42",
    "amount": 129.5,
    "currency": "EUR",
    "paid_at": "2026-11-02T08:14:58Z",
}


def _waiter_payload(load_event, token: str, run_id: str) -> dict:
    payload = copy.deepcopy(load_event("waiter-payload.json"))
    payload["token"] = token
    payload["context"]["run_id"] = run_id
    return payload


def test_event_published_before_the_waiter_is_delivered_once(
    handler, load_event, lambda_context, task_api
):
    # GIVEN a payment event that arrives before any run waits for it
    router = handler("event_router", sfn=task_api)
    routed = router.lambda_handler(load_event("event_router-payment-received.json"), lambda_context)
    assert routed["buffered"] and routed["resumed"] == []
    # WHEN a run's wait_for node registers, and then a second run waits on the same key
    waiter = handler("waiter", sfn=task_api)
    first = waiter.lambda_handler(_waiter_payload(load_event, "token-1", "run-1"), lambda_context)
    second = waiter.lambda_handler(_waiter_payload(load_event, "token-2", "run-2"), lambda_context)
    # THEN the first is resumed at once with the event data, the second keeps waiting
    assert first["resumed"] and not second["resumed"]
    assert task_api.succeeded == [("token-1", ORDER_DATA)]


def test_event_resumes_every_waiting_run_once(handler, aws, load_event, lambda_context, task_api):
    # GIVEN two runs waiting for payment of order-42
    waiter = handler("waiter", sfn=task_api)
    for n in (1, 2):
        assert not waiter.lambda_handler(
            _waiter_payload(load_event, f"token-{n}", f"run-{n}"), lambda_context
        )["resumed"]
    # WHEN the payment event arrives
    router = handler("event_router", sfn=task_api)
    routed = router.lambda_handler(load_event("event_router-payment-received.json"), lambda_context)
    # THEN both are resumed with the event data, and nothing is buffered
    assert sorted(t for t, _ in task_api.succeeded) == ["token-1", "token-2"]
    assert all(data == ORDER_DATA for _, data in task_api.succeeded)
    assert not routed["buffered"]
    assert aws["store"].list_waiters("payment.received", "order-42") == []


def test_two_events_for_one_waiter_resume_it_once(
    handler, aws, load_event, lambda_context, task_api
):
    # GIVEN one waiting run
    handler("waiter", sfn=task_api).lambda_handler(
        _waiter_payload(load_event, "token-1", "run-1"), lambda_context
    )
    router = handler("event_router", sfn=task_api)
    # WHEN the event is delivered twice (EventBridge is at-least-once)
    first = router.lambda_handler(load_event("event_router-payment-received.json"), lambda_context)
    second = router.lambda_handler(load_event("event_router-payment-received.json"), lambda_context)
    # THEN the run is resumed once; the second copy is buffered for a future waiter
    assert task_api.succeeded == [("token-1", ORDER_DATA)]
    assert [w["run_id"] for w in first["resumed"]] == ["run-1"]
    assert second["resumed"] == [] and second["buffered"]


def test_a_stale_token_is_dropped_and_the_event_kept(
    handler, aws, load_event, lambda_context, task_api
):
    # GIVEN a waiter whose task already timed out in Step Functions
    handler("waiter", sfn=task_api).lambda_handler(
        _waiter_payload(load_event, "dead-token", "run-1"), lambda_context
    )
    task_api.stale.add("dead-token")
    # WHEN the event arrives
    routed = handler("event_router", sfn=task_api).lambda_handler(
        load_event("event_router-payment-received.json"), lambda_context
    )
    # THEN the router does not crash: the stale waiter is dropped, the event buffered
    assert routed["dropped_stale"] == 1 and routed["buffered"]
    assert aws["store"].list_waiters("payment.received", "order-42") == []
    # AND the next run that waits gets it
    later = handler("waiter", sfn=task_api).lambda_handler(
        _waiter_payload(load_event, "token-2", "run-2"), lambda_context
    )
    assert later["resumed"] and task_api.succeeded == [("token-2", ORDER_DATA)]


def test_buffered_events_expire_after_the_configured_ttl(
    handler, aws, load_event, lambda_context, task_api, monkeypatch
):
    # GIVEN a 60 s buffer TTL
    monkeypatch.setenv("FLOWCTL_EVENT_TTL", "60")
    router = handler("event_router", sfn=task_api)
    before = int(time.time())
    routed = router.lambda_handler(load_event("event_router-payment-received.json"), lambda_context)
    after = int(time.time())
    # THEN the buffered event carries a TTL 60 s after it was buffered (however long that took)
    [buffered] = aws["store"].list_buffered_events("payment.received", "order-42")
    assert routed["expires_at"] == buffered.expires_at
    assert before + 60 <= buffered.expires_at <= after + 60


def test_waiter_stores_an_expiry_beyond_its_timeout(
    handler, aws, load_event, lambda_context, task_api
):
    registered = time.time()
    answer = handler("waiter", sfn=task_api).lambda_handler(
        _waiter_payload(load_event, "t", "run-1"), lambda_context
    )
    [waiter] = aws["store"].list_waiters("payment.received", "order-42")
    assert waiter.expires_at == answer["expires_at"]
    assert waiter.expires_at > registered + 3600  # the payload's timeout


def test_a_direct_publish_shape_is_routed_too(handler, load_event, lambda_context, task_api):
    handler("waiter", sfn=task_api).lambda_handler(
        _waiter_payload(load_event, "token-1", "run-1"), lambda_context
    )
    routed = handler("event_router", sfn=task_api).lambda_handler(
        {"event": "payment.received", "key": "order-42", "data": {"ok": True}}, lambda_context
    )
    assert [w["run_id"] for w in routed["resumed"]] == ["run-1"]
    assert task_api.succeeded == [("token-1", {"ok": True})]


def test_an_event_published_while_a_run_registers_is_not_lost(aws, task_api):
    # GIVEN a router that finds no waiter, and a run that registers right before the event
    # is buffered (the waiter's own look at the buffer found nothing yet)
    from orchestrator.service import EventService, StepFunctionsResumer

    store = aws["store"]
    service = EventService(store, StepFunctionsResumer(task_api))
    original = store.buffer_event

    def register_then_buffer(*args, **kwargs):
        waited = service.wait(
            "payment.received", "order-42", token="late", run_id="r9", node="pay", timeout=60
        )
        assert not waited.resumed
        return original(*args, **kwargs)

    store.buffer_event = register_then_buffer
    # WHEN the event is published
    result = service.publish("payment.received", "order-42", {"paid": True})
    # THEN the router notices the new waiter after buffering and resumes it, exactly once
    assert [w.run_id for w in result.resumed] == ["r9"] and result.buffered is None
    assert task_api.succeeded == [("late", {"paid": True})]
    assert store.list_buffered_events("payment.received", "order-42") == []


def test_an_invalid_waiter_payload_fails_the_task_with_a_clear_error(
    handler, lambda_context, task_api
):
    from orchestrator.service import InvalidRequestError

    with pytest.raises(InvalidRequestError) as caught:
        handler("waiter", sfn=task_api).lambda_handler(
            {"event": "payment.received"}, lambda_context
        )
    assert {p.where for p in caught.value.problems} >= {"/token", "/key"}


def test_event_data_too_large_to_store_is_413_without_a_payload_bucket(handler, load_event, lambda_context):
    # GIVEN no payload bucket WHEN an event's data is larger than flowctl can publish inline
    event = load_event("api-publish-event.json")
    event["body"] = json.dumps({"event": "payment.received", "key": "order-42", "data": {"blob": "x" * 450_000}})
    answer = handler("api").lambda_handler(event, lambda_context)
    # THEN a deliberate 413 says where and what, never an unhandled error
    body = json.loads(answer["body"])
    assert answer["statusCode"] == 413
    assert body["problems"][0]["where"] == "/body/data"


def test_large_event_data_is_offloaded_to_the_payload_bucket(aws, monkeypatch):
    import boto3

    from orchestrator.service import EventPublish, Platform

    boto3.client("s3").create_bucket(Bucket="flowctl-payloads-test")
    monkeypatch.setenv("FLOWCTL_PAYLOAD_BUCKET", "flowctl-payloads-test")
    platform = Platform.from_env()
    # WHEN a large event is published with nobody waiting THEN it is buffered with a reference
    result = platform.publish(EventPublish(event="payment.received", key="order-43", data={"blob": "x" * 450_000}))
    assert result["published"] == "direct"
    buffered = platform.store.list_buffered_events("payment.received", "order-43")
    assert [b.data for b in buffered] == [{"$ref": buffered[0].data["$ref"]}]
    assert buffered[0].data["$ref"].startswith("s3://flowctl-payloads-test/")
