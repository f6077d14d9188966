"""GIVEN a foreach that reads items from a file or aggregates its results WHEN validated and
compiled THEN the ASL has an ItemReader / an aggregate reference, the report says how results are
aggregated, and expressions that would read a large aggregate are refused with the fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orchestrator.compiler import compile_flow_file
from orchestrator.flowlang.errors import FlowValidationError


@pytest.fixture
def write(tmp_path: Path):
    (tmp_path / "flows").mkdir()
    for name in ("step", "other"):
        (tmp_path / "functions" / name).mkdir(parents=True)
        (tmp_path / "functions" / name / "app.py").write_text("")

    def _write(nodes: dict[str, Any], **extra: Any) -> Path:
        path = tmp_path / "flows" / "fan.json"
        path.write_text(json.dumps({"name": "fan", "nodes": nodes, **extra}))
        return path

    return _write


def _problems(path: Path) -> list[str]:
    with pytest.raises(FlowValidationError) as caught:
        compile_flow_file(path)
    return [f"{p.where}: {p.message} | {p.hint}" for p in caught.value.problems]


def test_items_from_a_project_file_compile_to_an_item_reader(write):
    path = write({
        "each": {"foreach": {"items_from": "data/rows.csv", "do": {"uses": "step"}}},
        "sum": {"uses": "other", "after": ["each"], "with": {"rows": "{% $each %}"}},
    })
    compiled = compile_flow_file(path)
    state = compiled.definition["States"]["each"]
    # THEN a Distributed Map reads the CSV itself; the project's file is in ${ProjectDataBucket}
    assert "Items" not in state
    assert state["ItemReader"] == {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
        "Arguments": {"Bucket": "${ProjectDataBucket}", "Key": "data/rows.csv"},
    }
    assert state["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert compiled.build.substitutions["ProjectDataBucket"] == "ProjectDataBucket"
    # AND its results are aggregated: the node's output is a reference, each item says so
    assert state["Output"] == '{% {"$ref": "agg://" & $states.context.Execution.Name & "/" & "each"} %}'
    task = state["ItemProcessor"]["States"]["each/do"]
    context = task["Arguments"]["Payload"]["context"]
    assert context["fanout"] == "each" and context["aggregate"] is True
    # the items of a child execution belong to the parent's run
    assert context["run_id"] == "{% $Run_each.run_id %}"
    # AND the first item can count the items, as the ItemReader reads them (the foreach's total)
    assert context["items_from"] == {"Bucket": "${ProjectDataBucket}", "Key": "data/rows.csv",
                                     "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}}
    assert compiled.report.foreach_results["each"].startswith("aggregated")
    assert "items are read from a file" in compiled.report.foreach_results["each"]


def test_an_s3_object_and_jsonl_and_json_formats(write):
    for name, kind in (("s3://bucket/in/rows.jsonl", "JSONL"), ("s3://bucket/rows.json", "JSON")):
        compiled = compile_flow_file(write({"each": {"foreach": {"items_from": name, "do": {"uses": "step"}}}}))
        reader = compiled.definition["States"]["each"]["ItemReader"]
        bucket, _, key = name[5:].partition("/")
        assert reader["ReaderConfig"] == {"InputType": kind}
        assert reader["Arguments"] == {"Bucket": bucket, "Key": key}
        assert compiled.build.item_buckets == [bucket]


def test_a_small_inline_foreach_keeps_its_results_in_the_payload(write):
    compiled = compile_flow_file(write({"each": {"foreach": {"items": [1, 2], "do": {"uses": "step"}}}},
                                       output="{% $count($each) %}"))
    state = compiled.definition["States"]["each"]
    assert state["Output"] == "{% $states.result %}"
    assert state["ItemProcessor"]["States"]["each/do"]["Arguments"]["Payload"]["context"]["fanout"] == "each"
    assert compiled.report.foreach_results["each"].startswith("inline")
    assert any("set results: aggregate" in risk for risk in compiled.report.payload_risks)


def test_results_aggregate_forces_aggregation_and_names_the_retry_policy(write):
    compiled = compile_flow_file(write({"each": {"foreach": {
        "items": [1, 2], "results": "aggregate",
        "do": {"uses": "step", "retry": {"max_attempts": 3, "errors": ["Boom"]}}}}}))
    context = compiled.definition["States"]["each"]["ItemProcessor"]["States"]["each/do"]["Arguments"]["Payload"]["context"]
    assert context["aggregate"] is True
    assert context["retry"] == {"errors": ["Boom"], "max_attempts": 3}


@pytest.mark.parametrize(
    ("reader", "where"),
    [
        ({"set": {"n": "{% $count($each) %}"}}, "/nodes/reader/set/n"),
        ({"switch": [{"when": "{% $count($each) > 0 %}", "then": "other"}]}, "/nodes/reader/switch/0/when"),
        ({"uses": "other", "with": {"n": "{% $count($each) %}"}}, "/nodes/reader/with/n"),
        ({"uses": "other", "aggregate": "{% $inputs %}"}, "/nodes/reader/aggregate"),
    ],
)
def test_an_expression_over_a_large_aggregate_is_refused_with_the_fix(write, reader, where):
    # GIVEN a node that would compute over an aggregated foreach's results in an expression
    nodes = {
        "each": {"foreach": {"items_from": "data/rows.csv", "do": {"uses": "step"}}},
        "reader": {**reader, "after": ["each"]},
        "other": {"uses": "other", "after": ["reader"]} if "switch" in reader else {"set": 1, "after": ["reader"]},
    }
    # WHEN validated THEN the problem names the node, the reason and the fix
    problems = _problems(write(nodes))
    found = [p for p in problems if p.startswith(where + ":")]
    assert found, problems
    assert "$each holds the results of foreach 'each', aggregated outside the state payload" in found[0]
    assert "pass them whole to a function node" in found[0]
    assert "results: inline" in found[0]


def test_the_flow_output_cannot_read_an_aggregate(write):
    problems = _problems(write(
        {"each": {"foreach": {"items_from": "data/rows.csv", "do": {"uses": "step"}}}}, output="{% $each %}"))
    assert any(p.startswith("/output:") and "aggregated outside the state payload" in p for p in problems)


@pytest.mark.parametrize(
    ("foreach", "where", "message"),
    [
        ({"do": {"uses": "step"}}, "/nodes/each/foreach", "exactly one of 'items' or 'items_from'"),
        ({"items": [1], "items_from": "data/a.csv", "do": {"uses": "step"}}, "/nodes/each/foreach", "exactly one"),
        ({"items_from": "data/rows.txt", "do": {"uses": "step"}}, "/nodes/each/foreach/items_from", "cannot tell the format"),
        ({"items_from": "data/a.csv", "mode": "inline", "do": {"uses": "step"}}, "/nodes/each/foreach/mode", "needs distributed mode"),
        ({"items_from": "s3://bucket", "do": {"uses": "step"}}, "/nodes/each/foreach/items_from", "names a bucket"),
        ({"items": [1], "results": "aggregate", "do": {"set": 1}}, "/nodes/each/foreach/results", "only a function body"),
    ],
)
def test_bad_foreach_sources_are_refused(write, foreach, where, message):
    problems = _problems(write({"each": {"foreach": foreach}}))
    assert any(p.startswith(where + ":") and message in p for p in problems), problems



def test_a_literal_list_tells_each_item_payload_the_foreach_total(write):
    compiled = compile_flow_file(write({"each": {"foreach": {"items": [1, 2, 3], "do": {"uses": "step"}}}}))
    state = compiled.definition["States"]["each"]
    context = state["ItemProcessor"]["States"]["each/do"]["Arguments"]["Payload"]["context"]
    assert context["total"] == 3
    assert "total" not in state["ItemSelector"]


@pytest.mark.parametrize("batch", [None, 10])
def test_items_from_an_expression_are_counted_once_before_the_map(write, batch):
    # GIVEN a foreach over an expression (inline, or distributed with batches)
    spec: dict[str, Any] = {"items": "{% $params.rows %}", "do": {"uses": "step"}}
    if batch:
        spec["batch_size"] = batch
    compiled = compile_flow_file(write({"each": {"foreach": spec}}, params={"rows": {"type": "array"}}))
    states = compiled.definition["States"]
    # THEN a Pass before the Map counts the items once, into a variable
    assert states["Params"]["Next"] == "each/count"
    assert states["each/count"] == {"Type": "Pass", "Assign": {"Total_each": "{% $count(($params.rows)) %}"}, "Next": "each"}
    # AND each item's payload reads the count (a variable: no count per item)
    processor = states["each"]["ItemProcessor"]["States"]
    assert processor["each/do"]["Arguments"]["Payload"]["context"]["total"] == "{% $Total_each %}"
    if batch:  # a child execution does not see the parent's variables: the batch carries it
        assert states["each"]["ItemBatcher"]["BatchInput"]["total"] == "{% $Total_each %}"
        assert processor["each/item"]["Assign"]["Total_each"] == "{% $states.input.BatchInput.total %}"


def test_a_foreach_that_catches_errors_is_not_counted_by_a_pass_its_catch_would_not_cover(write, tmp_path):
    # GIVEN a foreach over an expression that catches errors (on_error: continue)
    (tmp_path / "functions" / "step" / "app.py").write_text(
        "from orchestrator.runtime import node\n\nlambda_handler = node(lambda inputs, ctx=None: inputs)\n"
    )
    path = write({"each": {"foreach": {"items": "{% $params.rows.($ + 1) %}", "do": {"uses": "step"}},
                           "on_error": "continue"}}, params={"rows": {"type": "array"}})
    compiled = compile_flow_file(path)
    # THEN no Pass counts the items before the Map (a Pass has no Catch)
    assert "each/count" not in compiled.definition["States"]
    # AND an items expression that fails is caught by the node, as before: the flow continues
    from orchestrator.testing import run_flow

    ok = run_flow(path, {"rows": [1, 2]}, project=tmp_path)
    assert ok.status == "SUCCEEDED" and ok.output == [2, 3]
    caught = run_flow(path, {"rows": ["a"]}, project=tmp_path)
    assert caught.status == "SUCCEEDED"
    assert caught.output["error"] == "States.QueryEvaluationError"
