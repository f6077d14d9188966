"""JSONata evaluation is bounded in time and depth: a runaway expression fails the state with
States.QueryEvaluationError instead of hanging the run."""

from __future__ import annotations

import pytest

from orchestrator import limits, run_state_machine


def _run(expression: str) -> object:
    return run_state_machine(
        {"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% " + expression + " %}", "End": True}}}
    )


def test_a_self_applying_function_ends_with_a_query_evaluation_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a short time limit WHEN an endless self-applying function runs THEN the state fails
    monkeypatch.setattr(limits, "JSONATA_TIMEOUT_SECONDS", 0.2)
    result = _run("($f := function($x){$x($x)}; $f($f))")
    assert result.status == "FAILED"
    assert result.error == "States.QueryEvaluationError"
    assert "flowctl's limit" in result.cause


def test_deep_recursion_ends_with_a_query_evaluation_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "JSONATA_MAX_DEPTH", 50)
    result = _run("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000))")
    assert result.error == "States.QueryEvaluationError"


def test_backtracking_regex_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a pattern with catastrophic backtracking WHEN matched THEN it answers (no hang)
    monkeypatch.setattr(limits, "REGEX_TIMEOUT_SECONDS", 0.2)
    result = _run("$match('" + "a" * 40 + "!', /(a|aa)+$/)")
    assert result.status in ("SUCCEEDED", "FAILED")


def test_regex_functions_keep_working() -> None:
    assert _run("$match('abc', /B/i).match").output == "b"
    assert _run("$replace('abcb', /b/, 'x')").output == "axcx"
    assert _run("$split('a, b', /,\\s*/)").output == ["a", "b"]
    assert _run("($f := function($n){$n > 0 ? $f($n - 1) : 'done'}; $f(50))").output == "done"
