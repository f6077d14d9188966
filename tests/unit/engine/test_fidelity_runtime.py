"""GIVEN state machines that hit AWS's run-time rules (limits, per-attempt evaluation, invalid
Map limits) WHEN they run on the local engine THEN they end as AWS's do, with AWS's texts."""

from __future__ import annotations

import tracemalloc

import pytest

from orchestrator.engine import run_state_machine

LOOP = {"StartAt": "Spin", "States": {"Spin": {"Type": "Pass", "Next": "Spin"}}}


# -- item 7: AWS's limits ------------------------------------------------------------------------


def test_an_endless_pass_loop_fails_at_25000_history_events_with_aws_error() -> None:
    tracemalloc.start()
    result = run_state_machine(LOOP, {"blob": "x" * 1000})
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert result.cause == "The execution reached the maximum number of history events (25000)."
    assert len(result.history) == 25_000
    assert result.history[-1]["type"] == "ExecutionFailed"
    assert result.history[-1]["id"] == 25_000
    assert peak < 200 * 1024 * 1024  # bounded: ~25,000 events of ~2 KB, not gigabytes


def test_an_endless_loop_over_a_large_input_keeps_one_copy_of_it() -> None:
    tracemalloc.start()
    result = run_state_machine(LOOP, {"blob": "x" * 200_000})
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.error == "States.Runtime"
    assert peak < 100 * 1024 * 1024  # not 25,000 copies of 200 KB (5 GB)


def test_the_history_limit_is_not_caught_and_stops_parallel_branches() -> None:
    definition = {
        "StartAt": "Par",
        "States": {
            "Par": {
                "Type": "Parallel",
                "Branches": [LOOP, LOOP],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Succeed"},
        },
    }
    result = run_state_machine(definition, {})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "maximum number of history events" in (result.cause or "")


def test_the_history_limit_fails_a_map_even_with_tolerated_failures() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ToleratedFailurePercentage": 100,
                "ItemProcessor": LOOP,
                "End": True,
            },
        },
    }
    result = run_state_machine(definition, [1, 2, 3])
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


def test_an_execution_that_ends_on_event_25000_succeeds() -> None:
    # ExecutionStarted + 2 events per Pass state * 12,499 + ExecutionSucceeded = 25,000
    states = {f"P{i}": {"Type": "Pass", "Next": f"P{i + 1}"} for i in range(12_498)}
    states["P12498"] = {"Type": "Pass", "End": True}
    result = run_state_machine({"StartAt": "P0", "States": states}, {})
    assert result.status == "SUCCEEDED"
    assert len(result.history) == 25_000


def test_an_express_execution_ends_after_five_minutes() -> None:
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
    result = run_state_machine(definition, {}, state_machine_type="EXPRESS")
    assert (result.status, result.error) == ("TIMED_OUT", "States.Timeout")
    assert result.stop_date - result.start_date == pytest.approx(300)


def test_an_endless_express_loop_ends_at_its_time_limit_with_bounded_history() -> None:
    result = run_state_machine(LOOP, {}, state_machine_type="EXPRESS", express_max_seconds=0.5)
    assert (result.status, result.error) == ("TIMED_OUT", "States.Timeout")
    assert len(result.history) <= 25_001
    assert result.history[-1]["type"] == "ExecutionTimedOut"


# -- item 4: Parallel and Map arguments per retry attempt ------------------------------------


FAIL_FIRST = {  # a branch that fails unless its input says it runs in a retry attempt
    "StartAt": "First?",
    "States": {
        "First?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.attempt", "NumericEquals": 0, "Next": "Boom"}],
            "Default": "Ok",
        },
        "Boom": {"Type": "Fail", "Error": "Boom"},
        "Ok": {"Type": "Pass", "End": True},
    },
}
FAIL_FIRST_JSONATA = {
    "StartAt": "First?",
    "States": {
        "First?": {
            "Type": "Choice",
            "Choices": [{"Condition": "{% $states.input.attempt = 0 %}", "Next": "Boom"}],
            "Default": "Ok",
        },
        "Boom": {"Type": "Fail", "Error": "Boom"},
        "Ok": {"Type": "Pass", "End": True},
    },
}
RETRY = [{"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "MaxAttempts": 2}]


def test_parallel_parameters_are_evaluated_on_every_retry_attempt() -> None:
    definition = {
        "StartAt": "Par",
        "States": {
            "Par": {
                "Type": "Parallel",
                "Parameters": {"attempt.$": "$$.State.RetryCount"},
                "Branches": [FAIL_FIRST],
                "Retry": RETRY,
                "End": True,
            }
        },
    }
    result = run_state_machine(definition, {})
    assert result.status == "SUCCEEDED"
    assert result.output == [{"attempt": 1}]


def test_parallel_jsonata_arguments_are_evaluated_on_every_retry_attempt() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Par",
        "States": {
            "Par": {
                "Type": "Parallel",
                "Arguments": {"attempt": "{% $states.context.State.RetryCount %}"},
                "Branches": [FAIL_FIRST_JSONATA],
                "Retry": RETRY,
                "End": True,
            }
        },
    }
    result = run_state_machine(definition, {})
    assert result.output == [{"attempt": 1}]


def test_map_item_selector_is_evaluated_on_every_retry_attempt() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": FAIL_FIRST,
                "Retry": RETRY,
                "End": True,
                "ItemSelector": {"attempt.$": "$$.State.RetryCount", "item.$": "$$.Map.Item.Value"},
            }
        },
    }
    result = run_state_machine(definition, ["a", "b"])
    assert result.output == [{"attempt": 1, "item": "a"}, {"attempt": 1, "item": "b"}]


def test_map_jsonata_items_are_evaluated_on_every_retry_attempt() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "Items": "{% [{'attempt': $states.context.State.RetryCount}] %}",
                "ItemProcessor": FAIL_FIRST_JSONATA,
                "Retry": RETRY,
                "End": True,
            }
        },
    }
    result = run_state_machine(definition, {})
    assert result.output == [{"attempt": 1}]


# -- items 3 and 6: Map limits of the wrong type or range --------------------------------------


def _jsonata_map(field: str, value: object) -> dict:
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "Items": [1],
                field: value,
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }


@pytest.mark.parametrize(
    ("field", "expression", "cause"),
    [
        (
            "MaxConcurrency",
            "{% -1 %}",
            "Expected non-negative integer for MaxConcurrency, got '-1' instead.",
        ),
        ("ToleratedFailureCount", "{% -2 %}", "ToleratedFailureCount cannot be negative."),
        (
            "ToleratedFailurePercentage",
            "{% 101 %}",
            "ToleratedFailurePercentage must be between 0 and 100.",
        ),
        (
            "ToleratedFailurePercentage",
            "{% -0.5 %}",
            "ToleratedFailurePercentage must be between 0 and 100.",
        ),
        (
            "MaxConcurrency",
            "{% 'ten' %}",
            "The JSONata expression ''ten'' specified for the field 'MaxConcurrency' returned an unexpected result "
            "type. Expected 'integer', but was 'string' for value: \"ten\"",
        ),
        (
            "ToleratedFailureCount",
            "{% 1.5 %}",
            "The JSONata expression '1.5' specified for the field 'ToleratedFailureCount' returned an unexpected "
            "result type. Expected 'integer', but was 'number' for value: 1.5",
        ),
        (
            "ToleratedFailurePercentage",
            "{% true %}",
            "The JSONata expression 'true' specified for the field 'ToleratedFailurePercentage' returned an "
            "unexpected result type. Expected 'float', but was 'boolean' for value: true",
        ),
    ],
)
def test_jsonata_map_limits_of_the_wrong_type_or_range_are_query_evaluation_errors(
    field: str, expression: str, cause: str
) -> None:
    result = run_state_machine(_jsonata_map(field, expression), {})
    assert result.status == "FAILED"
    assert result.error == "States.QueryEvaluationError"
    assert result.cause == (
        f"An error occurred while executing the state 'M' (entered at the event id #2). {cause}"
    )


@pytest.mark.parametrize(
    ("field", "value", "cause"),
    [
        (
            "MaxConcurrencyPath",
            -1,
            "Expected non-negative integer for MaxConcurrency, got '-1' instead.",
        ),
        ("ToleratedFailureCountPath", -1, "ToleratedFailureCount cannot be negative."),
        (
            "ToleratedFailurePercentagePath",
            150,
            "ToleratedFailurePercentage must be between 0 and 100.",
        ),
        (
            "ToleratedFailureCountPath",
            "abc",
            'The ToleratedFailureCountPath field refers to value "abc" which is not a valid integer: $.v',
        ),
        (
            "ToleratedFailurePercentagePath",
            [1],
            'The ToleratedFailurePercentagePath field refers to value "[1]" which is not a valid float: $.v',
        ),
    ],
)
def test_path_map_limits_of_the_wrong_type_or_range_fail_with_aws_cause(
    field: str, value: object, cause: str
) -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                field: "$.v",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    result = run_state_machine(definition, {"items": [1], "v": value})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert (
        result.cause
        == f"An error occurred while executing the state 'M' (entered at the event id #2). {cause}"
    )


# -- item 5: JSONata sequences ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("{% $range(1, 1, 1) %}", 1),
        ("{% {'a': $range(5, 5, 1)} %}", {"a": 5}),
        ("{% $range(1, 3, 1) %}", [1, 2, 3]),
        ("{% [$range(1, 1, 1)] %}", [1]),
        ("{% $count($range(1, 1, 1)) %}", 1),
        ("{% $map([7], function($v) {$v * 2}) %}", 14),
        ("{% $keys({'only': 1}) %}", "only"),
        ("{% $split('a', ',') %}", ["a"]),
        ("{% $partition([1], 2) %}", [[1]]),
    ],
)
def test_jsonata_singleton_sequences_are_their_item_as_on_aws(expression: str, expected: object) -> None:
    definition = {"QueryLanguage": "JSONata", "StartAt": "P",
                  "States": {"P": {"Type": "Pass", "Output": expression, "End": True}}}
    result = run_state_machine(definition, {})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == expected


# -- item 3: other JSONata-evaluated fields of the wrong type -----------------------------------


def _jsonata(state: dict) -> dict:
    return {"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": state}}


@pytest.mark.parametrize(
    ("state", "cause"),
    [
        ({"Type": "Wait", "Seconds": "{% 'soon' %}", "End": True},
         "The JSONata expression ''soon'' specified for the field 'Seconds' returned an unexpected result type. "
         "Expected 'integer', but was 'string' for value: \"soon\""),
        ({"Type": "Wait", "Seconds": "{% 1.5 %}", "End": True},
         "The JSONata expression '1.5' specified for the field 'Seconds' returned an unexpected result type. "
         "Expected 'integer', but was 'number' for value: 1.5"),
        ({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"FunctionName": "f"},
          "TimeoutSeconds": "{% {'s': 5} %}", "End": True},
         "The JSONata expression '{'s': 5}' specified for the field 'TimeoutSeconds' returned an unexpected result "
         "type. Expected 'integer', but was 'object' for value: {\"s\":5}"),
        ({"Type": "Choice", "Choices": [{"Condition": "{% 'yes' %}", "Next": "S"}], "Default": "S"},
         "The JSONata expression ''yes'' specified for the field 'Condition' returned an unexpected result type. "
         "Expected 'boolean', but was 'string' for value: \"yes\""),
        ({"Type": "Map", "Items": [1, 2], "ItemBatcher": {"MaxItemsPerBatch": "{% 'two' %}"}, "End": True,
          "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}},
         "The JSONata expression ''two'' specified for the field 'ItemBatcher/MaxItemsPerBatch' returned an "
         "unexpected result type. Expected 'integer', but was 'string' for value: \"two\""),
    ],
)
def test_jsonata_fields_of_the_wrong_type_fail_with_the_items_text_shape(state: dict, cause: str) -> None:
    result = run_state_machine(_jsonata(state), {}, mocks={"S": {"return": 1}})
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert result.cause is not None and result.cause.endswith(cause)
