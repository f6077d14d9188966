"""Tracker: Step Functions status change events become the run record."""

from __future__ import annotations

RUN_ID = "9f1c2a4e-5b7d-4e0a-8c3f-2d6b1e9a7c50"


def test_status_changes_update_the_run(handler, aws, load_event, lambda_context):
    # GIVEN a run of kyc-check (created by the tracker from the RUNNING event)
    tracker = handler("tracker")
    assert tracker.lambda_handler(load_event("tracker-running.json"), lambda_context)["applied"]
    # WHEN the execution succeeds
    answer = tracker.lambda_handler(load_event("tracker-succeeded.json"), lambda_context)
    # THEN the run is SUCCEEDED with the execution's output and stop time
    assert answer == {"run_id": RUN_ID, "status": "SUCCEEDED", "applied": True}
    run = aws["store"].get_run(RUN_ID)
    assert run.status == "SUCCEEDED"
    assert run.output == {"status": "pass", "faces": 1, "score": 0.93}
    assert run.started_at == "2026-11-02T08:00:00.000Z"
    assert run.stopped_at == "2026-11-02T08:00:07.250Z"
    assert run.execution_arn.endswith(f":execution:kyc-check:{RUN_ID}")


def test_late_and_duplicate_events_change_nothing(handler, aws, load_event, lambda_context):
    # GIVEN a run that failed
    tracker = handler("tracker")
    tracker.lambda_handler(load_event("tracker-failed.json"), lambda_context)
    # WHEN the RUNNING event arrives late and the FAILED event is delivered twice
    late = tracker.lambda_handler(load_event("tracker-running.json"), lambda_context)
    again = tracker.lambda_handler(load_event("tracker-failed.json"), lambda_context)
    # THEN neither applies, and the run stays FAILED with its error and cause
    assert (late["applied"], again["applied"]) == (False, False)
    run = aws["store"].get_run(RUN_ID)
    assert (run.status, run.error) == ("FAILED", "FaceNotFoundError")
    assert "no face" in run.cause


def test_each_terminal_status_is_recorded(handler, aws, load_event, lambda_context):
    tracker = handler("tracker")
    for name, status, error in [
        ("tracker-timed-out.json", "TIMED_OUT", "States.Timeout"),
        ("tracker-aborted.json", "ABORTED", "flowctl.Cancelled"),
    ]:
        event = load_event(name)
        event["detail"]["name"] = f"run-{status.lower()}"
        tracker.lambda_handler(event, lambda_context)
        run = aws["store"].get_run(f"run-{status.lower()}")
        assert (run.status, run.error) == (status, error)


def test_a_redriven_run_runs_again(handler, aws, load_event, lambda_context):
    # GIVEN a failed run
    tracker = handler("tracker")
    tracker.lambda_handler(load_event("tracker-failed.json"), lambda_context)
    # WHEN it is redriven (RUNNING with redriveCount 1)
    applied = tracker.lambda_handler(load_event("tracker-redriven-running.json"), lambda_context)[
        "applied"
    ]
    # THEN the run is RUNNING again, its old failure cleared
    run = aws["store"].get_run(RUN_ID)
    assert applied and (run.status, run.redrive_count, run.error) == ("RUNNING", 1, None)


def test_a_scheduled_run_unknown_to_the_api_is_created(handler, aws, load_event, lambda_context):
    # GIVEN an execution started by a schedule (the API never saw it)
    tracker = handler("tracker")
    # WHEN its SUCCEEDED event arrives
    tracker.lambda_handler(load_event("tracker-scheduled-succeeded.json"), lambda_context)
    # THEN the run exists under its flow, with input and output
    page = aws["store"].list_runs("nightly-report")
    assert [r.run_id for r in page.runs] == ["7c0e5d5a-2c55-4b4f-bf0e-3a2a1f6d9e11"]
    run = page.runs[0]
    assert (run.status, run.input, run.output, run.trigger) == (
        "SUCCEEDED",
        {"day": "2026-11-02"},
        {"checked": 12},
        "external",
    )


EXPRESS_RUN = "4d0c9a1e-7f3b-4c2a-9e51-8b2f6d3a1c77"


def _log_delivery(*records: dict) -> dict:
    """A CloudWatch Logs subscription event carrying Express execution log records."""
    import base64
    import gzip
    import json

    events = [{"id": str(i), "timestamp": 0, "message": json.dumps(r)} for i, r in enumerate(records)]
    data = gzip.compress(json.dumps({"messageType": "DATA_MESSAGE", "logEvents": events}).encode())
    return {"awslogs": {"data": base64.b64encode(data).decode()}}


def test_express_runs_are_tracked_from_their_execution_logs(handler, aws, load_event, lambda_context):
    # GIVEN an Express execution's log delivery: started, a state event, succeeded
    tracker = handler("tracker")
    # WHEN the tracker receives it
    answer = tracker.lambda_handler(load_event("tracker-express-logs.json"), lambda_context)
    # THEN the run is created and finished from the execution events (the state event is ignored)
    assert answer == {
        "runs": [
            {"run_id": EXPRESS_RUN, "status": "RUNNING", "applied": True},
            {"run_id": EXPRESS_RUN, "status": "SUCCEEDED", "applied": True},
        ]
    }
    run = aws["store"].get_run(EXPRESS_RUN)
    assert (run.flow, run.status) == ("kyc-check", "SUCCEEDED")
    assert run.input == {"user_id": "u-1001", "threshold": 0.8}
    assert run.output == {"status": "pass", "faces": 1, "score": 0.93}
    assert (run.started_at, run.stopped_at) == ("2026-11-02T08:00:00.000Z", "2026-11-02T08:00:01.480Z")


def test_express_failures_arrive_out_of_order_and_stay_final(handler, aws, lambda_context):
    tracker = handler("tracker")
    arn = f"arn:aws:states:us-east-1:123456789012:express:kyc-check:{EXPRESS_RUN}:0e6f"
    failed = {"type": "ExecutionFailed", "execution_arn": arn, "event_timestamp": "1793606401480",
              "details": {"error": "FaceNotFoundError", "cause": "no face in the image"}}
    started = {"type": "ExecutionStarted", "execution_arn": arn, "event_timestamp": "1793606400000",
               "details": {"input": "{}"}}
    # WHEN the failure is delivered before the start (log deliveries are not ordered)
    tracker.lambda_handler(_log_delivery(failed), lambda_context)
    late = tracker.lambda_handler(_log_delivery(started), lambda_context)
    # THEN the late start changes nothing
    assert late == {"run_id": EXPRESS_RUN, "status": "RUNNING", "applied": False}
    run = aws["store"].get_run(EXPRESS_RUN)
    assert (run.status, run.error, run.cause) == ("FAILED", "FaceNotFoundError", "no face in the image")


def test_an_unreadable_log_delivery_is_a_clear_error(handler, aws, lambda_context):
    import pytest

    from orchestrator.service.tracker import UnsupportedEventError

    with pytest.raises(UnsupportedEventError, match="unreadable CloudWatch Logs delivery"):
        handler("tracker").lambda_handler({"awslogs": {"data": "not base64"}}, lambda_context)
