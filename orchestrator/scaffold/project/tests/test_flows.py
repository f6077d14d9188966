"""The project's flows, run on flowctl's local engine with the functions in-process (``pytest``)."""

from __future__ import annotations

from orchestrator.testing import run_flow


def test_hello_greets_by_name() -> None:
    run = run_flow("hello", {"name": "Ada"})
    assert run.status == "SUCCEEDED", run.cause
    assert run.output == "Hello, Ada!"


def test_word_stats_fans_out_over_the_words_and_in_to_a_summary() -> None:
    run = run_flow("word-stats", {"text": "flows as data"})
    assert run.status == "SUCCEEDED", run.cause
    assert run.output == {"title": "FLOWS AS DATA", "words": 3, "letters": 11, "longest": "flows"}


def test_a_failing_node_fails_the_run_with_its_error() -> None:
    run = run_flow("word-stats", {"text": ""}, mocks={"split": {"error": "ValueError", "cause": "no text"}})
    assert run.status == "FAILED"
    assert run.error == "ValueError"
