"""GIVEN Assign and the context object WHEN states read them THEN scoping and evaluation order
follow AWS: assignments take effect after the state, nested scopes read outer variables, a
distributed Map does not, and ``$$`` / ``$states.context`` describe the execution."""

from __future__ import annotations

from orchestrator.engine import Engine, VirtualClock, run_state_machine


def test_assignments_are_visible_from_the_next_state_only() -> None:
    d = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "B"},
            "B": {"Type": "Pass", "Assign": {"x": 2, "old.$": "$x"}, "Parameters": {"seen.$": "$x"}, "Next": "C"},
            "C": {"Type": "Pass", "Parameters": {"x.$": "$x", "old.$": "$old", "seen.$": "$.seen"}, "End": True},
        },
    }
    assert run_state_machine(d, {}).output == {"x": 2, "old": 1, "seen": 1}


def test_map_iterations_read_outer_variables_but_their_assignments_stay_inside() -> None:
    inner = {"StartAt": "I", "States": {"I": {"Type": "Pass", "Assign": {"inner": 1, "x": 99},
                                               "Parameters": {"x.$": "$x"}, "End": True}}}
    d = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"x": 42}, "Next": "M"},
            "M": {"Type": "Map", "ItemProcessor": inner, "ResultPath": "$.r", "Next": "Z"},
            "Z": {"Type": "Pass", "Parameters": {"x.$": "$x", "r.$": "$.r"}, "End": True},
        },
    }
    d["States"]["M"]["ItemsPath"] = "$.items"
    r = run_state_machine(d, {"items": [1, 2]})
    assert r.output == {"x": 42, "r": [{"x": 42}, {"x": 42}]}


def test_distributed_map_iterations_do_not_see_outer_variables() -> None:
    inner = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
             "StartAt": "I", "States": {"I": {"Type": "Pass", "Parameters": {"x.$": "$x"}, "End": True}}}
    d = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"x": 42}, "Next": "M"},
            "M": {"Type": "Map", "ItemProcessor": inner, "End": True},
        },
    }
    r = run_state_machine(d, [1])
    assert (r.status, r.error) == ("FAILED", "States.Runtime")
    types = [e["type"] for e in r.history]
    assert "MapRunStarted" in types and "MapIterationStarted" not in types


def test_context_object_describes_execution_state_and_map_item() -> None:
    d = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value",
                                 "name.$": "$$.Execution.Name", "input.$": "$$.Execution.Input"},
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    engine = Engine(d, clock=VirtualClock(start=0.0), name="sm")
    r = engine.start(["a"], execution_name="run-1")
    assert r.output == [{"index": 0, "value": "a", "name": "run-1", "input": ["a"]}]
    assert r.execution_arn == "arn:aws:states:us-east-1:123456789012:execution:sm:run-1"


def test_jsonata_states_context_and_entered_time_format() -> None:
    d = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Output": {"s": "{% $states.context.State.Name %}",
                                                    "t": "{% $states.context.State.EnteredTime %}"}, "End": True}},
    }
    r = run_state_machine(d, {}, clock=VirtualClock(start=0.0))
    assert r.output == {"s": "P", "t": "1970-01-01T00:00:00.000Z"}


def test_context_execution_carries_the_redrive_round() -> None:
    d = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "End": True, "Output": {
            "round": "{% $states.context.Execution.RedriveCount %}",
            "since": "{% $exists($states.context.Execution.RedriveTime) ? $states.context.Execution.RedriveTime : null %}",
        }}},
    }
    # GIVEN a first run THEN round 0 and no redrive time (as AWS: RedriveTime only once redriven)
    assert run_state_machine(d, {}, clock=VirtualClock(start=0.0)).output == {"round": 0, "since": None}
    # WHEN the run is redrive round 2, redriven a minute in THEN the context object says so
    again = run_state_machine(d, {}, clock=VirtualClock(start=0.0), redrive_count=2, redrive_time=60.0)
    assert again.output == {"round": 2, "since": "1970-01-01T00:01:00.000Z"}

