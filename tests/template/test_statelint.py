"""GIVEN every example flow WHEN compiled THEN its ASL passes statelint (the Python port of AWS's
linter), and the committed state machines do too. ``Resource`` values are
``${...FunctionArn}`` placeholders until deployment, so statelint's URI check is left out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from statelint.config import Config
from statelint.linter import Linter
from statelint.problem import ProblemType

from orchestrator.compiler import compile_flow_file

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Config({ProblemType.URI})
# statelint 3.1.0 predates these Distributed Map fields, which AWS documents and accepts: a Map's
# Label, and an ItemReader's ReaderConfig.InputType / CSVHeaderLocation (items read from a CSV file),
# at the top level or nested (a foreach with Retry or Catch has its Map in a Parallel's branch).
STATELINT_GAPS = re.compile(
    r'Field "(Label" not allowed in State Machine\.(.*\.)?States\.[^.]+'
    r'|(InputType|CSVHeaderLocation)" not allowed in State Machine\.(.*\.)?States\.[^.]+\.ItemReader\.ReaderConfig)$'
)


def lint(definition: object) -> list[str]:
    return [problem for problem in Linter.validate(definition, CONFIG) if not STATELINT_GAPS.match(problem)]


@pytest.mark.parametrize("flow", sorted((ROOT / "flows").glob("*.json")), ids=lambda p: p.stem)
def test_every_compiled_example_passes_statelint(flow: Path) -> None:
    definition = compile_flow_file(flow).definition
    assert lint(json.loads(json.dumps(definition))) == []


@pytest.mark.parametrize("machine", sorted((ROOT / "statemachines").glob("*.asl.json")), ids=lambda p: p.stem)
def test_every_committed_state_machine_passes_statelint(machine: Path) -> None:
    assert lint(str(machine)) == []


def test_statelint_would_catch_an_integer_backoff_rate() -> None:
    definition = {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "Retry": [{"ErrorEquals": ["States.ALL"], "BackoffRate": 2}], "End": True}}}
    assert any("BackoffRate" in problem for problem in Linter.validate(definition, CONFIG))


@pytest.mark.parametrize("mode", ["inline", "distributed"])
def test_a_foreach_counted_inside_its_catch_passes_statelint(tmp_path: Path, mode: str) -> None:
    # GIVEN a foreach over an expression with Retry and Catch (its count and Map in a Parallel)
    (tmp_path / "flows").mkdir()
    (tmp_path / "functions" / "step").mkdir(parents=True)
    (tmp_path / "functions" / "step" / "app.py").write_text("")
    spec = {"items": "{% $params.rows %}", "mode": mode, "do": {"uses": "step"}}
    if mode == "distributed":
        spec.update(batch_size=10, tolerated_failures=5)
    path = tmp_path / "flows" / "caught.json"
    path.write_text(json.dumps({"name": "caught", "params": {"rows": {"type": "array"}}, "nodes": {
        "each": {"foreach": spec, "retry": {"max_attempts": 2}, "catch": [{"errors": ["States.ALL"], "then": "fix"}]},
        "fix": {"set": "{% $error.error %}"}}}))
    definition = compile_flow_file(path).definition
    assert definition["States"]["each"]["Type"] == "Parallel"
    assert lint(json.loads(json.dumps(definition))) == []


def test_a_tolerated_failure_percentage_passes_statelint(tmp_path: Path) -> None:
    # GIVEN a distributed foreach tolerating "5%" of failed items
    (tmp_path / "flows").mkdir()
    (tmp_path / "functions" / "step").mkdir(parents=True)
    (tmp_path / "functions" / "step" / "app.py").write_text("")
    path = tmp_path / "flows" / "tolerant.json"
    path.write_text(json.dumps({"name": "tolerant", "nodes": {"each": {"foreach": {
        "items": [1, 2, 3], "mode": "distributed", "tolerated_failures": "5%", "do": {"uses": "step"}}}}}))
    # WHEN compiled THEN the percentage is the integer 5 (statelint refuses a whole float) and lints clean
    definition = json.loads(json.dumps(compile_flow_file(path).definition))
    assert definition["States"]["each"]["ToleratedFailurePercentage"] == 5
    assert lint(definition) == []
