"""Fuzzed ASL definitions and inputs end in a result or flowctl's own error — never a crash or a hang.

GIVEN definitions mutated from the compiled flows (statemachines/) and hand-written seeds of every
state type (plus the AWS-recorded conformance definitions in the nightly run, when present)
WHEN each runs on the local engine under a transition guard and a wall-clock guard
THEN none raises an exception other than flowctl's own errors, and none hangs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.engine import Engine, VirtualClock
from orchestrator.errors import FlowctlError
from tests.fuzz.harness import NIGHTLY, WEIRD, Hung, fuzz_settings, guarded, mutate, short, tally

# jsonata-python raises the recursion limit on first use; hypothesis warns that it cannot reset it.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT.parent / "shared" / "asl-conformance" / "cases"
MAX_EVENTS = 3000
WALL_SECONDS = 30.0

SEEDS: list[dict[str, Any]] = [
    {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a.$": "$.a", "f.$": "States.Format('{}', $.a)"}, "ResultPath": "$.r", "Next": "C"},
     "C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "NumericGreaterThan": 1, "Next": "W"}], "Default": "F"},
     "W": {"Type": "Wait", "Seconds": 10, "Next": "M"},
     "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}, "Next": "Par"},
     "Par": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}], "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}], "End": True},
     "F": {"Type": "Fail", "Error": "E", "Cause": "value [red] was [b]bad[/b]"}}},
    {"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Output": {"x": "{% $states.input.a %}"}, "Assign": {"v": "{% $states.input %}"}, "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Condition": "{% $v.a > 1 %}", "Next": "M"}], "Default": "S"},
        "M": {"Type": "Map", "Items": "{% [1, 2, 3] %}", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Output": "{% $states.input * 2 %}", "End": True}}}, "Next": "T"},
        "T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets", "Arguments": {}, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "S"}], "Next": "S"},
        "S": {"Type": "Succeed"}}},
    {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "TimeoutSeconds": 5, "HeartbeatSeconds": 2, "Retry": [{"ErrorEquals": ["States.Timeout"], "BackoffRate": 2.0, "MaxAttempts": 3, "JitterStrategy": "FULL"}], "End": True}}},
    {"StartAt": "W", "States": {"W": {"Type": "Wait", "TimestampPath": "$.when", "Next": "P"}, "P": {"Type": "Pass", "Result": {"a": 1}, "ResultSelector": {"b.$": "$.a"}, "OutputPath": "$.b", "End": True}}},
]
SEEDS.append({"StartAt": "Loop", "States": {"Loop": {"Type": "Pass", "Next": "Loop"}}})  # ended by the guard
FIELDS = ["Output", "Parameters", "Assign", "Arguments", "Items", "ItemsPath", "InputPath", "ResultPath", "OutputPath",
          "ResultSelector", "Seconds", "SecondsPath", "Timestamp", "TimestampPath", "Next", "Default", "Type", "Resource",
          "Choices", "MaxConcurrency", "Retry", "Catch", "TimeoutSeconds", "HeartbeatSeconds", "Error", "Cause",
          "ErrorPath", "CausePath", "QueryLanguage", "End", "Branches", "ItemProcessor", "ItemSelector", "ToleratedFailurePercentage"]
INPUTS = [{}, {"a": 2, "items": [1, 2], "when": "2026-01-01T00:00:00Z"}, {"a": "x"}, [], None]


def _seeds() -> list[dict[str, Any]]:
    seeds = list(SEEDS)
    seeds += [json.loads(p.read_text()) for p in sorted((ROOT / "statemachines").glob("*.asl.json"))]
    if NIGHTLY and CONFORMANCE.is_dir():  # read at run time, never copied into the project
        seeds += [json.loads(p.read_text()) for p in sorted(CONFORMANCE.glob("*/*/definition.json"))]
    return seeds


ALL_SEEDS = _seeds()


class _Unreachable:
    """An AWS client whose every call fails as an unreachable endpoint would."""

    def __getattr__(self, name: str) -> Any:
        from botocore.exceptions import EndpointConnectionError

        def call(**_: Any) -> Any:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

        return call


def _run(definition: Any, value: Any) -> str:
    engine: Engine | None = None
    events = 0
    looped = False

    def guard(_event: dict[str, Any]) -> None:
        nonlocal events, looped
        events += 1
        if events > MAX_EVENTS and not looped and engine is not None:
            looped = True
            for name in engine.running:
                engine.stop(name, "Fuzz.Guard", "too many transitions")

    try:
        engine = Engine(definition, clock=VirtualClock(), listener=guard, client_factory=lambda _: _Unreachable(),
                        functions_dir=ROOT / "tests" / "fuzz" / "no-functions", substitutions={})
        result = engine.start(value)
    except FlowctlError:
        return "rejected"
    if looped:
        return "looped"
    assert result.status in ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
    json.dumps(result.output, allow_nan=False).encode()  # the output is strict JSON
    return "ok"


def _set_field(data: st.DataObject, definition: dict[str, Any]) -> str:
    """Put a tricky value (expressions, intrinsics, wrong types) into one field of one state."""
    states = definition.get("States")
    if not isinstance(states, dict) or not states:
        return "no states"
    name = data.draw(st.sampled_from(sorted(states)), label="state")
    state = states[name]
    if not isinstance(state, dict):
        return "state not an object"
    name_of_field = data.draw(st.sampled_from(FIELDS), label="field")
    value = data.draw(st.one_of(WEIRD, st.dictionaries(st.sampled_from(["a", "b.$", "c"]), WEIRD, min_size=1, max_size=2)), label="value")
    state[name_of_field] = value
    return f"{name}.{name_of_field}={short(value)}"


@fuzz_settings(400)
@given(data=st.data())
def test_mutated_definitions_never_escape_or_hang(data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from(ALL_SEEDS), label="seed")
    if data.draw(st.booleans(), label="targeted"):
        definition: Any = json.loads(json.dumps(seed))
        mutations: Any = [_set_field(data, definition) for _ in range(data.draw(st.integers(1, 2)))]
    else:
        definition, found = mutate(data, seed)
        mutations = [(m.action, m.path) for m in found]
    value = data.draw(st.one_of(st.sampled_from(INPUTS), WEIRD), label="input")
    what = f"{mutations} input={short(value)}"
    try:
        outcome = guarded(lambda: _run(definition, value), WALL_SECONDS)
    except Hung:
        tally("engine", "hung", what)
        pytest.fail(f"hung: {what}")
    except Exception as exc:
        tally("engine", "escaped", f"{type(exc).__name__}: {str(exc)[:100]} {what}")
        raise
    tally("engine", outcome, what)


def test_an_endless_loop_is_stopped_by_the_guard_not_hung() -> None:
    # GIVEN a Pass state whose Next is itself (the 25,000-event limit belongs to engine fidelity)
    # WHEN it runs under the fuzz guard THEN the guard ends it and it is counted as looped
    assert guarded(lambda: _run(SEEDS[-1], {}), WALL_SECONDS) == "looped"
