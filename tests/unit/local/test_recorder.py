"""GIVEN engine history events WHEN the step recorder reads them THEN each node's step holds the
input it ran with (its state's input, or the payload a function received) and its times."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime
from typing import Any

from orchestrator.compiler.build import BODY, NODE, StateNode
from orchestrator.local.recorder import StepRecorder, iso_time
from orchestrator.store.models import Step

T0 = 1_767_225_600.25  # 2026-01-01T00:00:00.250Z


class _Steps(list[Step]):
    def record_step(self, step: Step) -> None:
        self.append(step)


def _events(*events: tuple[str, dict[str, Any] | None]) -> list[dict[str, Any]]:
    found = []
    for number, (kind, details) in enumerate(events, start=1):
        event: dict[str, Any] = {"id": number, "previousEventId": number - 1, "timestamp": T0 + number, "type": kind}
        if details is not None:
            key = ("stateEnteredEventDetails" if kind.endswith("StateEntered") else
                   "stateExitedEventDetails" if kind.endswith("StateExited") else
                   kind[0].lower() + kind[1:] + "EventDetails")
            event[key] = details
        found.append(event)
    return found


def test_a_state_without_a_function_records_the_input_it_entered_with() -> None:
    # GIVEN a set node's Pass state entered with {"a": 1}
    steps = _Steps()
    recorder = StepRecorder("r1", steps, None, {"calc": StateNode("calc", NODE)})
    # WHEN it enters and exits
    for event in _events(("PassStateEntered", {"name": "calc", "input": '{"a": 1}'}),
                         ("PassStateExited", {"name": "calc", "output": '{"b": 2}'})):
        recorder(event)
    # THEN its step holds that input and its output, with its times
    [step] = steps
    assert step.output == {"input": {"a": 1}, "output": {"b": 2}}
    assert (step.status, step.started_at, step.stopped_at) == ("SUCCEEDED", iso_time(T0 + 1), iso_time(T0 + 2))
    assert recorder.outputs == {"calc": {"b": 2}}


def test_a_function_item_records_the_payload_input_it_received() -> None:
    # GIVEN a foreach body task whose payload carries the item as its input
    steps = _Steps()
    recorder = StepRecorder("r1", steps, None, {"each/do": StateNode("each", BODY)}, params={"n": 2})
    payload = {"input": {"item": 7}, "params": {"n": 2}, "context": {"node": "each", "index": 1, "attempt": 0}}
    events = _events(
        ("TaskStateEntered", {"name": "each/do", "input": '{"item": 7, "index": 1}'}),
        ("TaskScheduled", {"parameters": json.dumps({"FunctionName": "f", "Payload": payload})}),
        ("TaskStarted", None),
        ("TaskSucceeded", {"output": '{"Payload": 14}'}),
        ("TaskStateExited", {"name": "each/do", "output": "14"}),
    )
    # WHEN its events arrive
    for event in events:
        recorder(event)
    # THEN its step is the item's (index 1), with the payload's input and context, not the
    # run's params (they are the run's own)
    [step] = steps
    assert (step.node, step.index, step.attempt) == ("each/do", 1, 0)
    assert step.output == {"input": {"item": 7}, "output": 14, "context": payload["context"]}


def test_iso_time_is_the_datetime_text_of_the_moment() -> None:
    # GIVEN moments at random, and at the edges of a millisecond and of a second
    rng = random.Random(14)
    moments = [rng.uniform(0, 4e9) for _ in range(20_000)] + [0.0, -1.5, T0]
    for fraction in (0.9995, 0.9999995, 0.0000005, 0.99999949, 0.99999951, 0.0005):
        moments += [math.floor(rng.uniform(1e9, 2e9)) + fraction for _ in range(200)]
    # and moments whose microseconds are exactly a whole number and a half (rounded to even by
    # datetime, half up by iso_time: the same milliseconds): the fractions j / 2**21 with
    # j * 15625 / 32768 a half (j * 1e6 / 2**21, exact in a float)
    first = 16384 * pow(15625, -1, 32768) % 32768
    for whole in (math.floor(rng.uniform(1e9, 2e9)) for _ in range(4)):
        moments += [whole + (first + 32768 * m) / 2**21 for m in range(64)]
    halves = [m for m in moments if (m - int(m)) * 1e6 % 1 == 0.5]
    assert len(halves) > 100
    # THEN each reads as datetime formats it (microseconds rounded, then cut to milliseconds)
    for moment in moments:
        expected = datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        assert iso_time(moment) == expected, moment


def test_the_values_the_engine_gives_record_the_same_steps_as_its_texts() -> None:
    # GIVEN a run of a set node and a foreach whose body calls a function, each item's payload
    # carrying its input and context (as compiled flows do)
    from orchestrator.engine import Engine, VirtualClock

    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
            "Arguments": {"FunctionName": "double", "Payload": {
                "input": {"item": "{% $states.input.value %}"}, "params": {"n": 3},
                "context": {"node": "each", "index": "{% $states.input.index %}", "attempt": 0}}},
            "Output": "{% $states.result.Payload %}"}
    definition = {"QueryLanguage": "JSONata", "StartAt": "calc", "States": {
        "calc": {"Type": "Pass", "Output": {"a": "{% $states.input.n %}", "s": "é"}, "Next": "each"},
        "each": {"Type": "Map", "Items": "{% [1..$states.input.a] %}", "End": True,
                 "ItemSelector": {"value": "{% $states.context.Map.Item.Value %}",
                                  "index": "{% $states.context.Map.Item.Index %}"},
                 "ItemProcessor": {"StartAt": "each/do", "States": {"each/do": task}}}}}
    nodes = {"calc": StateNode("calc", NODE), "each": StateNode("each", NODE), "each/do": StateNode("each", BODY)}
    texts, values = _Steps(), _Steps()
    by_text = StepRecorder("r1", texts, None, nodes, params={"n": 3})
    by_value = StepRecorder("r1", values, None, nodes, params={"n": 3})
    # WHEN one recorder reads the events' JSON texts and the other is given the engine's values
    result = Engine(definition, clock=VirtualClock(start=T0), listener=by_text, value_listener=by_value,
                    handlers={"double": lambda event, context: {"twice": event["input"]["item"] * 2}}).start({"n": 3})
    # THEN both record the same steps
    assert result.status == "SUCCEEDED", result.history[-1]
    assert len(texts) == 5
    assert values == texts
    assert [s.output["output"] for s in values if s.node == "each/do"] == [{"twice": 2}, {"twice": 4}, {"twice": 6}]
    assert values[0].output == {"input": {"n": 3}, "output": {"a": 3, "s": "é"}}
