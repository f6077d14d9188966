"""Fuzzed CLI arguments end in a result or flowctl's own error message — never a traceback.

GIVEN the commands a user types (validate, compile, graph, run, asl run, runs show, events publish)
with tricky arguments: huge integers, NaN, deep nesting, lone surrogates, markup-like text,
paths outside the project, very long names
WHEN the CLI runs them
THEN each exits normally (0 or an error exit) and no exception escapes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from orchestrator.cli.app import app
from tests.fuzz.harness import TRICKY_STRINGS, fuzz_settings, short, tally

# jsonata-python raises the recursion limit on first use; hypothesis warns that it cannot reset it.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

ROOT = Path(__file__).resolve().parents[2]
RUNNER = CliRunner()
VALUES = st.one_of(
    st.sampled_from(TRICKY_STRINGS),
    st.sampled_from(["NaN", "1e400", "9" * 5000, "[" * 5000 + "]" * 5000, '{"a": 1, "a": 2}', '"\\ud800"', "@/nonexistent", "@" + "x" * 5000, "{}", "[1]", "null", "x" * 5000]),
    st.text(max_size=20),
)


@st.composite
def command(draw: st.DrawFn, definition: Path) -> list[str]:
    flow = draw(st.sampled_from([str(ROOT / "flows" / "liteflow-hello.json"), str(ROOT / "flows" / "kyc.json"), "flows/../../etc/passwd", "x" * 5000, str(definition)]))
    value = draw(VALUES)
    choice = draw(st.integers(0, 6))
    if choice == 0:
        return ["validate", flow]
    if choice == 1:
        return ["compile", flow, "--report"]
    if choice == 2:
        return ["graph", flow]
    if choice == 3:
        return ["run", str(ROOT / "flows" / "liteflow-hello.json"), "-p", f"{draw(st.sampled_from(['name', 'x', '']))}={value}"]
    if choice == 4:
        return ["asl", "run", str(definition), "--input", value]
    if choice == 5:
        return ["runs", "show", value]
    return ["events", "publish", draw(st.sampled_from(["order.paid", value])), "--key", draw(st.sampled_from(["k", value])), "--data", value]


@pytest.fixture(scope="module")
def definition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "fail.asl.json"
    path.write_text(json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "value [red] was [b]bad[/b]"}}}))
    return path


@fuzz_settings(150)
@given(data=st.data())
def test_fuzzed_cli_arguments_never_end_in_a_traceback(data: st.DataObject, definition: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWCTL_HOME", str(tmp_path_factory.getbasetemp() / "cli-home"))
    args = data.draw(command(definition))
    what = " ".join(short(a, 40) for a in args)
    result: Any = RUNNER.invoke(app, args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tally("cli", "escaped", f"{type(result.exception).__name__}: {str(result.exception)[:100]} {what}")
        raise result.exception
    assert "Traceback" not in result.output, what
    tally("cli", "ok", what)
