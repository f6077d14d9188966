"""Strict JSON everywhere: NaN/Infinity, lone surrogates, duplicate keys, huge integers and deep
nesting are refused with a pointer, in flow files (JSON and YAML), definitions and inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator import run_state_machine
from orchestrator.engine.engine import ExecutionError
from orchestrator.engine.errors import AslDefinitionError
from orchestrator.flowlang.errors import FlowLoadError, FlowValidationError
from orchestrator.flowlang.loader import load_flow, load_flow_document
from orchestrator.flowlang.project import Project
from orchestrator.strict_json import StrictJsonError, check_value, loads

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ('{"a": NaN}', "", "NaN"),
        ('{"a": [1, -Infinity]}', "", "Infinity"),
        ('{"a": 1e400}', "", "1e400"),
        ('{"a": {"b": "\\ud800"}}', "/a/b", "lone surrogate"),
        ('{"a": {"b": 1, "b": 2}}', "/a/b", "duplicate key 'b'"),
        ('{"n": ' + "9" * 5000 + "}", "", "5000 digits"),
        ("[" * 300 + "]" * 300, "/0/0", "nested too deeply"),
        ("[" * 100_000 + "]" * 100_000, "", "nested too deeply"),
    ],
)
def test_strict_json_refuses_with_a_pointer(text: str, where: str, what: str) -> None:
    # GIVEN JSON text that RFC 8259 or AWS cannot carry WHEN parsed THEN flowctl's error says where
    with pytest.raises(StrictJsonError) as caught:
        loads(text)
    assert caught.value.where.startswith(where)
    assert what in caught.value.message


def test_check_value_refuses_python_values_that_are_not_json() -> None:
    with pytest.raises(StrictJsonError, match="/x/1: NaN"):
        check_value({"x": [1, float("nan")]})
    with pytest.raises(StrictJsonError, match="set is not a JSON value"):
        check_value({"x": {1, 2}})
    check_value({"a": [1, 2.5, "é", None, True]})


@pytest.mark.parametrize(
    ("name", "text", "what"),
    [
        ("dup.json", '{"name": "a", "name": "b", "nodes": {}}', "duplicate key 'name'"),
        ("nan.json", '{"name": "a", "nodes": {"x": {"set": NaN}}}', "NaN"),
        ("dup.yaml", "name: a\nname: b\nnodes: {}\n", "duplicate key 'name'"),
        ("nan.yaml", "name: a\nnodes:\n  x:\n    set: .nan\n", "NaN"),
        ("deep.yaml", "name: a\nnodes: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ("big.yaml", "name: a\nn: " + "9" * 5000 + "\n", "digits"),
        ("date.yaml", "name: a\nwhen: 2026-01-01\n", "not a JSON value"),
    ],
)
def test_flow_files_are_strict_json(tmp_path: Path, name: str, text: str, what: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(FlowLoadError) as caught:
        load_flow_document(path)
    assert what in str(caught.value.problems)


def test_sub_flow_references_are_names_within_flows(tmp_path: Path) -> None:
    # GIVEN a flow whose sub-flow is given as a path outside flows/
    (tmp_path / "flows").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.json").write_text('{"name": "secret", "nodes": {}}')
    flow = tmp_path / "flows" / "main.json"
    flow.write_text('{"name": "main", "nodes": {"s": {"flow": "../outside/secret"}}}')
    # WHEN it is loaded THEN the reference is refused by the schema, and the project never looks it up
    with pytest.raises(FlowValidationError) as caught:
        load_flow(flow)
    assert any(p.where == "/nodes/s/flow" for p in caught.value.problems)
    assert Project(tmp_path).flow_path("../outside/secret") is None
    assert Project(tmp_path).flow_path("x" * 5000) is None


def test_definitions_and_inputs_are_strict_json() -> None:
    with pytest.raises(AslDefinitionError, match="NaN"):
        run_state_machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": float("nan"), "End": True}}})
    with pytest.raises(AslDefinitionError, match="duplicate key"):
        run_state_machine('{"StartAt": "P", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}')
    with pytest.raises(AslDefinitionError, match="/States/P/Type"):
        run_state_machine({"StartAt": "P", "States": {"P": {"Type": {}, "End": True}}})
    with pytest.raises(ExecutionError, match="NaN"):
        run_state_machine(PASS, {"a": float("nan")})
    with pytest.raises(ExecutionError, match="surrogate"):
        run_state_machine(PASS, {"a": "\ud800"})
