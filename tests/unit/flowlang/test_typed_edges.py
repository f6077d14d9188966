"""Typed edges: `flowctl validate` checks each node's `with` against its function's contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app
from orchestrator.compiler.validate import check_flow
from orchestrator.flowlang.loader import load_flow
from orchestrator.flowlang.project import Project

ROOT = Path(__file__).resolve().parents[3]

FUNCTION = '''
from pydantic import BaseModel, Field
from orchestrator.runtime import node

class In(BaseModel):
    user_id: str
    limit: int = Field(10, gt=0)
    mode: str = "fast"

class Out(BaseModel):
    score: float
    label: str
    detail: dict

def handle(inputs, ctx=None):
    return {"score": 1.0, "label": "ok", "detail": {}}

lambda_handler = node(handle, input=In, output=Out)
'''


@pytest.fixture
def project(tmp_path: Path) -> Project:
    for name in ("score", "untyped"):
        folder = tmp_path / "functions" / name
        folder.mkdir(parents=True)
        (folder / "app.py").write_text(FUNCTION if name == "score" else "def lambda_handler(e, c):\n    return e\n")
    (tmp_path / "flows").mkdir()
    return Project(tmp_path)


def problems(project: Project, nodes: dict, params: dict | None = None) -> dict[str, str]:
    path = project.flows_dir / "f.json"
    path.write_text(json.dumps({"name": "f", "params": params or {}, "nodes": nodes}))
    return {p.where: p.message for p in check_flow(load_flow(path), project)}


def test_literal_values_are_checked_by_type_and_required_fields_must_be_given(project):
    found = problems(project, {"a": {"uses": "score", "with": {"limit": "ten", "mood": "x"}}})
    assert "needs 'user_id'" in found["/nodes/a/with"]
    assert "'ten' is not of type 'integer'" in found["/nodes/a/with/limit"]
    assert "has no field 'mood'" in found["/nodes/a/with/mood"]


def test_references_are_typed_from_the_upstream_output_and_the_params(project):
    nodes = {
        "a": {"uses": "score", "with": {"user_id": "{% $params.user %}"}},
        "b": {"uses": "score", "after": ["a"], "with": {"user_id": "{% $a.score %}", "limit": "{% $a.labl %}"}},
    }
    found = problems(project, nodes, {"user": {"type": "number"}})
    assert found["/nodes/a/with/user_id"].startswith("{% $params.user %} is number, but score's input 'user_id' wants string")
    assert "wants string" in found["/nodes/b/with/user_id"]
    assert "has no field 'labl'" in found["/nodes/b/with/limit"]


def test_a_fitting_flow_and_untyped_expressions_are_accepted(project):
    nodes = {
        "a": {"uses": "score", "with": {"user_id": "{% $params.user %}", "limit": 3}},
        "b": {"uses": "score", "after": ["a"], "with": {"user_id": "{% $a.label %}", "limit": "{% $a.score * 2 %}"}},
        "c": {"uses": "untyped", "after": ["b"], "with": {"anything": "{% $b.detail.deep.field %}"}},
        "d": {"set": {"x": "{% $b.label %}"}, "after": ["c"]},
    }
    assert problems(project, nodes, {"user": {"type": "string"}}) == {}


def test_a_reference_to_a_missing_output_field_is_reported_in_any_expression(project):
    nodes = {"a": {"uses": "score", "with": {"user_id": "u"}}, "d": {"set": {"x": "{% $a.scor %}"}, "after": ["a"]}}
    found = problems(project, nodes)
    assert "has no field 'scor'" in found["/nodes/d/set/x"]


def test_every_example_flow_fits_its_functions_contracts():
    result = CliRunner().invoke(app, ["validate", *sorted(str(p) for p in (ROOT / "flows").glob("*.json"))])
    assert result.exit_code == 0, result.output


def test_validate_reports_the_typed_edge_mismatches_of_the_broken_example(monkeypatch):
    # GIVEN the deliberately broken example of the docs
    monkeypatch.chdir(ROOT)
    # WHEN it is validated
    result = CliRunner().invoke(app, ["validate", "docs/examples/typed-edges.json"])
    # THEN every mismatch is reported with its JSON pointer and a hint
    assert result.exit_code == 1
    assert "/nodes/average/with/window: {% $params.window %} is string, but moving_average's input 'window' wants integer" in result.output
    assert "/nodes/average/with/series: $load has no field 'serie'" in result.output
    assert "hint: did you mean 'series'?" in result.output
    assert "/nodes/add/with: add_numbers's input needs 'b'" in result.output
    assert "/nodes/add/with/a: add_numbers's input 'a': 'two' is not of type 'number'" in result.output


def test_functions_list_and_show_print_descriptions_and_schemas(monkeypatch):
    monkeypatch.chdir(ROOT)
    listed = CliRunner().invoke(app, ["functions", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    functions = {f["name"]: f for f in json.loads(listed.output)}
    assert "api" not in functions
    # every example node function declares real models
    assert all(f["input"] and f["output"] for f in functions.values()), [n for n, f in functions.items() if not f["input"]]
    shown = CliRunner().invoke(app, ["functions", "show", "moving_average", "--json"])
    data = json.loads(shown.output)
    assert data["input"]["properties"]["window"]["type"] == "integer"
    assert data["description"].startswith("Simple moving average")
    text = CliRunner().invoke(app, ["functions", "show", "moving_averag"])
    assert text.exit_code == 1
    assert "did you mean 'moving_average'?" in text.output

