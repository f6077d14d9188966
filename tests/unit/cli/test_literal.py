"""Every user-visible text is printed literally: square brackets are never eaten as rich markup."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from orchestrator.cli.app import app

RUNNER = CliRunner()


def test_error_messages_keep_their_square_brackets(tmp_path: Path) -> None:
    # GIVEN a flow whose function name breaks the pattern ^[a-z][a-z0-9_]{0,62}$
    flow = tmp_path / "bad.json"
    flow.write_text(json.dumps({"name": "bad", "nodes": {"a": {"uses": "Bad-Name"}}}))
    # WHEN it is validated THEN the pattern is printed whole
    result = RUNNER.invoke(app, ["validate", str(flow)])
    assert result.exit_code != 0
    assert "^[a-z][a-z0-9_]{0,62}$" in result.output


def test_a_fail_cause_is_printed_as_written(tmp_path: Path) -> None:
    # GIVEN a state machine that fails with a cause full of square brackets
    definition = tmp_path / "fail.asl.json"
    definition.write_text(json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "value [red] was [b]bad[/b]"}}}))
    # WHEN it runs THEN the cause is shown literally
    result = RUNNER.invoke(app, ["asl", "run", str(definition)])
    assert "value [red] was [b]bad[/b]" in result.output


def test_a_string_parameter_with_a_lone_surrogate_is_refused_not_a_traceback() -> None:
    flow = Path(__file__).resolve().parents[3] / "flows" / "liteflow-hello.json"
    result = RUNNER.invoke(app, ["run", str(flow), "-p", "name=a\udfffb"])
    assert result.exit_code != 0 and not isinstance(result.exception, UnicodeError)
    assert "not valid UTF-8" in result.output or "lone surrogate" in result.output


def test_arguments_that_are_not_utf8_are_refused_not_a_traceback() -> None:
    # GIVEN an argument with bytes that are not UTF-8 (the shell passes them as lone surrogates)
    result = RUNNER.invoke(app, ["runs", "show", "a\udfffb"])
    # THEN flowctl's own error, exit 1
    assert result.exit_code == 1 and "not valid UTF-8" in result.output
