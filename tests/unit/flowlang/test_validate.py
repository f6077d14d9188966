"""GIVEN a malformed flow WHEN it is validated THEN every problem is named with its pointer and a hint."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app
from orchestrator.compiler.validate import validate_flow_file
from orchestrator.flowlang.errors import FlowValidationError


def flow(nodes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "demo", "nodes": nodes, **extra}


def problems_of(project, doc, **kw) -> list[tuple[str, str]]:
    path = project(doc, **kw)
    with pytest.raises(FlowValidationError) as info:
        validate_flow_file(path)
    return [(p.where, p.message) for p in info.value.problems]


def test_valid_flow_passes(project) -> None:
    path = project(flow({"a": {"uses": "step"}, "b": {"uses": "other", "after": ["a"]}}))
    assert validate_flow_file(path).name == "demo"


def test_schema_errors_are_all_reported_with_pointers(project) -> None:
    found = problems_of(project, flow({"a": {"usess": "step"}, "b": {"uses": 3}}, version="x"))
    wheres = [w for w, _ in found]
    assert "/nodes/a" in wheres and "/nodes/b/uses" in wheres and "/version" in wheres
    assert any("did you mean 'uses'" in str(p) for p in _raw(project, flow({"a": {"usess": "step"}})))


def _raw(project, doc):
    with pytest.raises(FlowValidationError) as info:
        validate_flow_file(project(doc))
    return info.value.problems


def test_unknown_reference_suggests_the_close_name(project) -> None:
    problems = _raw(project, flow({"fetch": {"uses": "step"}, "b": {"uses": "step", "after": ["fetsh"]}}))
    assert problems[0].where == "/nodes/b/after/0"
    assert "did you mean 'fetch'" in problems[0].hint


def test_cycle_is_printed(project) -> None:
    found = problems_of(project, flow({"a": {"uses": "step", "after": ["c"]}, "b": {"uses": "step", "after": ["a"]}, "c": {"uses": "step", "after": ["b"]}}))
    assert any("cycle:" in m and "a" in m and "->" in m for _, m in found)


def test_node_after_fail_is_unreachable(project) -> None:
    found = problems_of(project, flow({"stop": {"fail": {"error": "X"}}, "later": {"uses": "step", "after": ["stop"]}}))
    assert ("/nodes/later/after", "'later' runs after the fail node 'stop' and can never run") in found


def test_missing_function_folder(project) -> None:
    found = problems_of(project, flow({"a": {"uses": "nope"}}))
    assert found[0][0] == "/nodes/a/uses" and "functions/nope/" in found[0][1]


def test_jsonata_syntax_error(project) -> None:
    found = problems_of(project, flow({"a": {"uses": "step", "with": {"x": "{% $params.a + %}"}}}))
    assert found[0][0] == "/nodes/a/with/x" and "JSONata syntax error" in found[0][1]


def test_variable_of_a_later_node_is_rejected(project) -> None:
    found = problems_of(project, flow({"a": {"uses": "step", "with": "{% $b %}"}, "b": {"uses": "step"}}))
    assert "$b is the output of 'b', which does not run before" in found[0][1]


def test_a_node_whose_output_hides_a_called_function_is_rejected(project) -> None:
    # GIVEN a node named 'count' (its output is $count) and an expression calling $count(...) after it
    doc = flow({"count": {"uses": "step"}, "b": {"uses": "step", "after": ["count"], "with": {"n": "{% $count($count) %}"}}},
               output="{% $sum([1]) %}")
    problems = _raw(project, doc)
    # THEN the call is named (as Step Functions runs it, $count would be the list, not the function)
    assert [(p.where, p.message.split(":")[0]) for p in problems] == [
        ("/nodes/b/with/n", "$count(...) calls the output of node 'count', not JSONata's function $count")
    ]
    assert "rename the node 'count'" in problems[0].hint


def test_a_function_called_before_the_node_of_its_name_runs_is_allowed(project) -> None:
    # GIVEN $count(...) in a node that runs before (not after) the node named 'count'
    doc = flow({"a": {"uses": "step", "with": {"n": "{% $count([1, 2]) %}"}}, "count": {"uses": "step", "after": ["a"]}})
    # THEN it is JSONata's function there: the flow is valid
    assert validate_flow_file(project(doc)).name == "demo"


def test_bad_cron_rate_and_timezone(project) -> None:
    doc = flow({"a": {"uses": "step"}}, schedules=[{"cron": "0 2 * * *", "timezone": "Mars/Olympus"}, {"rate": "every day"}])
    found = dict(problems_of(project, doc))
    assert "6 fields" in found["/schedules/0/cron"]
    assert "unknown time zone" in found["/schedules/0/timezone"]
    assert "rate" in found["/schedules/1/rate"]


def test_invalid_cron_field(project) -> None:
    found = dict(problems_of(project, flow({"a": {"uses": "step"}}, schedules=[{"cron": "99 2 * * ? *"}])))
    assert "invalid cron" in found["/schedules/0/cron"]


def test_node_with_two_kinds(project) -> None:
    found = problems_of(project, flow({"a": {"uses": "step", "set": 1}}))
    assert found == [("/nodes/a", "node has several kinds: uses, set")]


def test_invalid_json_reports_line_and_column(project) -> None:
    found = problems_of(project, '{"name": "demo",\n  "nodes": {,}}')
    assert found[0][0] == "line 2, column 13" and "invalid JSON" in found[0][1]


def test_yaml_flows_are_accepted_and_yaml_errors_located(project) -> None:
    ok = project("name: demo\nnodes:\n  a:\n    uses: step\n", suffix=".yaml")
    assert validate_flow_file(ok).nodes["a"].uses == "step"
    found = problems_of(project, "name: demo\nnodes: [\n", name="bad", suffix=".yaml")
    assert found[0][0].startswith("line ")


def test_file_name_must_match_flow_name(project) -> None:
    found = problems_of(project, flow({"a": {"uses": "step"}}), name="other-name")
    assert found == [("/name", "flow 'demo' is in a file named 'other-name'")]


def test_cli_prints_problems_and_exits_1_without_traceback(project) -> None:
    path = project(flow({"a": {"uses": "nope", "after": ["zzz"]}}))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "/nodes/a/uses" in result.output and "/nodes/a/after/0" in result.output


def test_cli_reports_missing_file(tmp_path) -> None:
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "missing.json")])
    assert result.exit_code == 1 and "file not found" in result.output
