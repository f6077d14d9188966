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
