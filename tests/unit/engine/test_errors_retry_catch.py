"""GIVEN tasks that fail (user mocks) WHEN Retry and Catch are declared THEN errors are retried,
caught and reported exactly as AWS does."""

from __future__ import annotations

import pytest

from orchestrator.engine import MockError, run_state_machine


def task(**extra: object) -> dict:
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f", "Payload.$": "$"}, **extra}


def test_catch_puts_the_error_output_at_result_path_and_goes_to_next() -> None:
    d = {
        "StartAt": "T",
        "States": {
            "T": task(Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "H"}], End=True),
            "H": {"Type": "Pass", "End": True},
        },
    }
    r = run_state_machine(d, {"a": 1}, mocks={"T": {"error": "Oops", "cause": "bad"}})
    assert r.status == "SUCCEEDED"
    assert r.output == {"a": 1, "err": {"Error": "Oops", "Cause": "bad"}}


def test_max_attempts_zero_never_retries() -> None:
    d = {"StartAt": "T", "States": {"T": task(Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}], End=True)}}
    r = run_state_machine(d, {}, mocks={"T": [{"error": "E1"}, {"return": 1}]})
    assert (r.status, r.error) == ("FAILED", "E1")


def test_task_failed_matches_everything_but_timeouts() -> None:
    d = {
        "StartAt": "T",
        "States": {
            "T": task(Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "H"}], TimeoutSeconds=5, End=True),
            "H": {"Type": "Succeed"},
        },
    }
    assert run_state_machine(d, {}, mocks={"T": {"error": "Any.Error"}}).status == "SUCCEEDED"
    r = run_state_machine(d, {}, mocks={"T": {"return": 1, "delay": 10}})
    assert (r.status, r.error) == ("FAILED", "States.Timeout")


def test_each_retrier_counts_its_own_attempts_and_the_first_match_decides() -> None:
    d = {
        "StartAt": "T",
        "States": {
            "T": task(Retry=[{"ErrorEquals": ["A"], "MaxAttempts": 1, "IntervalSeconds": 1},
                             {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5, "IntervalSeconds": 1}], End=True)
        },
    }
    r = run_state_machine(d, {}, mocks={"T": [{"error": "A"}, {"error": "B"}, {"error": "A"}, {"return": 1}]})
    assert (r.status, r.error) == ("FAILED", "A")
    attempts = [e for e in r.history if e["type"] == "TaskScheduled"]
    assert len(attempts) == 3


def test_states_runtime_errors_are_never_caught() -> None:
    d = {
        "StartAt": "T",
        "States": {
            "T": task(ResultSelector={"x.$": "$.missing"}, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "H"}], End=True),
            "H": {"Type": "Succeed"},
        },
    }
    r = run_state_machine(d, {}, mocks={"T": {"return": {}}})
    assert (r.status, r.error) == ("FAILED", "States.Runtime")


def test_parallel_branch_failure_is_caught_on_the_parallel_state() -> None:
    d = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "ok", "States": {"ok": {"Type": "Wait", "Seconds": 100, "End": True}}},
                    {"StartAt": "bad", "States": {"bad": {"Type": "Fail", "Error": "E", "Cause": "C"}}},
                ],
                "Catch": [{"ErrorEquals": ["E"], "Next": "H"}],
                "End": True,
            },
            "H": {"Type": "Pass", "End": True},
        },
    }
    r = run_state_machine(d, {})
    assert r.output == {"Error": "E", "Cause": "C"}


def test_map_tolerated_failures_keep_going_until_the_threshold() -> None:
    processor = {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericGreaterThan": 2, "Next": "F"}], "Default": "P"},
            "F": {"Type": "Fail", "Error": "Big"},
            "P": {"Type": "Pass", "End": True},
        },
    }
    d = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": processor, "ToleratedFailureCount": 1, "End": True}}}
    r = run_state_machine(d, [1, 2, 3])
    assert r.output == [1, 2, {"Error": "Big"}]
    r = run_state_machine(d, [1, 3, 4])
    assert (r.status, r.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    d["States"]["M"].pop("ToleratedFailureCount")
    assert run_state_machine(d, [1, 3]).error == "Big"


def test_catch_assign_and_jsonata_error_output() -> None:
    d = {
        "QueryLanguage": "JSONata",
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "f"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"why": "{% $states.errorOutput.Cause %}"},
                           "Output": "{% $states.errorOutput.Error %}", "Next": "H"}],
                "End": True,
            },
            "H": {"Type": "Pass", "Output": {"error": "{% $states.input %}", "why": "{% $why %}"}, "End": True},
        },
    }
    r = run_state_machine(d, {}, mocks={"T": {"error": "E", "cause": "because"}})
    assert r.output == {"error": "E", "why": "because"}


def test_invalid_mocks_are_reported_with_the_state_name() -> None:
    d = {"StartAt": "T", "States": {"T": task(End=True)}}
    with pytest.raises(MockError, match="'T'"):
        run_state_machine(d, {}, mocks={"T": {"retrun": 1}})
