"""A step's output text, its context written from its node's template: always the text
``encode_json`` gives, whatever the contexts of a node's steps hold."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.store import Step, step_text
from orchestrator.store import items as it
from orchestrator.store.step_text import step_output_text

RUN = "bench-foreach-20261202T190632-9ad91d"
CONTEXT = {
    "flow": "bench-foreach", "node": "each", "run_id": RUN,
    "execution": f"arn:aws:states:us-east-1:123456789012:express:bench-foreach:{RUN}:0dbf45a7",
    "attempt": 0, "redrive": 0, "index": 0, "fanout": "each", "total": 3,
}


@pytest.fixture(autouse=True)
def no_templates() -> None:
    step_text._seen.clear()


def step(output: Any, *, node: str = "each/do", index: int = 0, run_id: str = RUN, redrive: int = 0) -> Step:
    return Step(run_id, node, "SUCCEEDED", index, 0, output=output, redrive=redrive)


def item(index: int, attempt: int = 0, **context: Any) -> dict[str, Any]:
    return {"input": {"item": index + 1, "index": index}, "output": {"upper": str(index), "length": 1},
            "context": {**CONTEXT, "index": index, "attempt": attempt, **context}}


def written(output: Any, **where: Any) -> str | None:
    """``step_output_text``, checked against the encoder's text."""
    text = step_output_text(step(output, **where))
    assert text == (None if output is None else it.encode_json(output))
    return text


def test_a_foreach_s_items_are_written_from_a_template_as_the_encoder_writes_them() -> None:
    # GIVEN the steps of a foreach's items (contexts differing in index and attempt)
    for index in range(5):
        written(item(index), index=index)
    # THEN from the second, the node has a template (and every text was the encoder's)
    assert type(step_text._seen[(RUN, "each/do", 0)]) is step_text._Template
    written(item(7, attempt=3), index=7)
    written(item(-1, attempt=12), index=-1)


@pytest.mark.parametrize("changed", [
    {"total": 4}, {"run_id": "other"}, {"total": 3.0}, {"redrive": True}, {"fanout": None},
    {"extra": "x"}, {"items_from": {"Bucket": "b"}}, {"index": True}, {"attempt": 1.0}, {"index": "3"},
])
def test_a_context_that_differs_from_the_template_is_encoded_as_it_is(changed: dict[str, Any]) -> None:
    # GIVEN a node with a template
    written(item(0))
    written(item(1))
    # WHEN a step's context differs in a shared value (also in its type only), or its index
    # or attempt is not an integer
    output = item(2)
    output["context"].update(changed)
    # THEN its text is still the encoder's, and the next steps too
    written(output)
    written(item(3))
    written(item(4))


def test_a_context_without_attempt_or_index_and_outputs_of_other_shapes() -> None:
    context = {k: v for k, v in CONTEXT.items() if k != "attempt"}
    for output in ({"input": 1, "context": context}, {"input": 1, "context": context},
                   {"context": CONTEXT}, {"context": CONTEXT}, {"context": {**CONTEXT, "index": 9}},
                   {"caught": True, "input": 1, "context": CONTEXT}, {"caught": True, "context": CONTEXT},
                   {"output": 1}, [1, 2], "text", 3, None, {1: "a"}, {}):
        written(output)


def test_a_shared_value_that_holds_the_template_s_marks_makes_no_template() -> None:
    for mark in step_text._MARKS:
        step_text._seen.clear()
        for index in range(3):
            written(item(index, flow=f"x{mark}y"), index=index)
        assert step_text._seen[(RUN, "each/do", 0)] is step_text._NONE


def test_templates_are_per_run_node_and_round_and_a_full_table_starts_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(step_text, "_KEEP", 4)
    for round_ in range(3):
        for node in ("a/do", "b/do", "c/do"):
            for index in range(3):
                output = item(index, node=node.split("/")[0], redrive=round_)
                written(output, node=node, redrive=round_, index=index)
                written(output, node=node, redrive=round_, index=index, run_id="another")
    assert len(step_text._seen) <= 4


def test_a_store_records_the_encoder_s_text(store: Any) -> None:
    from orchestrator.store import Run

    # GIVEN a store and a run whose foreach records its items' steps
    store.create_run(Run(run_id=RUN, flow="bench-foreach"))
    for index in range(4):
        store.record_step(step(item(index), index=index))
    # THEN each step reads back with its full context
    steps = store.get_run(RUN).steps
    assert [s.output for s in steps] == [item(index) for index in range(4)]
