"""GIVEN a foreach that reads items from a file or aggregates its results WHEN validated and
compiled THEN the ASL has an ItemReader / an aggregate reference, the report says how results are
aggregated, and expressions that would read a large aggregate are refused with the fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orchestrator.compiler import compile_flow_file
from orchestrator.compiler.build import FANOUT, HANDLER, INTERNAL, NODE
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


STEP = "from orchestrator.runtime import node\n\nlambda_handler = node(lambda inputs, ctx=None: inputs)\n"
CATCHING: dict[str, dict[str, Any]] = {
    "on_error": {"on_error": "continue"},
    "catch": {"catch": [{"errors": ["States.QueryEvaluationError"], "then": "fix"}]},
    "retry": {"retry": {"max_attempts": 2, "errors": ["States.QueryEvaluationError"]}},
}


def _catching_flow(write, how: str) -> Path:
    nodes: dict[str, Any] = {"each": {"foreach": {"items": "{% $params.rows.($ + 1) %}", "do": {"uses": "step"}}, **CATCHING[how]}}
    if how == "catch":
        nodes["fix"] = {"set": {"recovered": "{% $error.error %}"}}
    return write(nodes, params={"rows": {"type": "array"}})


@pytest.mark.parametrize("how", sorted(CATCHING))
def test_a_foreach_that_catches_or_retries_counts_its_items_inside_its_catch_and_retry(write, how):
    # GIVEN a foreach over an expression whose node catches its errors (or retries them)
    compiled = compile_flow_file(_catching_flow(write, how))
    states = compiled.definition["States"]
    # THEN the node's own state is a single-branch Parallel with the node's Retry and Catch
    # (a Pass has neither), around the Pass that counts the items and the Map
    each = states["each"]
    assert states["Params"]["Next"] == "each"
    assert each["Type"] == "Parallel"
    assert ("Retry" in each, "Catch" in each) == ((True, False) if how == "retry" else (False, True))
    branch = each["Branches"][0]
    assert branch["StartAt"] == "each/count"
    assert branch["States"]["each/count"] == {
        "Type": "Pass", "Assign": {"Total_each": "{% $count(($params.rows.($ + 1))) %}"}, "Next": "each/map"}
    fanout = branch["States"]["each/map"]
    assert fanout["Type"] == "Map" and fanout["End"] is True
    assert fanout["Items"] == "{% $params.rows.($ + 1) %}"
    assert not {"Retry", "Catch", "Assign", "Next"} & set(fanout)
    # AND the node's value and output are the Map's result, assigned in the node's scope
    assert fanout["Output"] == "{% $states.result %}"
    assert each["Assign"] == {"each": "{% $states.result[0] %}"} and each["Output"] == "{% $states.result[0] %}"
    # AND each item's payload reads the count
    task = fanout["ItemProcessor"]["States"]["each/do"]
    assert task["Arguments"]["Payload"]["context"]["total"] == "{% $Total_each %}"
    # AND the Parallel is the node's state; the Map's events count the items but record no step
    roles = {name: (owner.node, owner.role) for name, owner in compiled.state_nodes.items()}
    assert (roles["each"], roles["each/count"], roles["each/map"]) == (("each", NODE), ("each", INTERNAL), ("each", FANOUT))
    assert [name for name, owner in roles.items() if owner == ("fix", HANDLER)] == (["fix (for each)"] if how == "catch" else [])


def test_the_cost_estimate_counts_the_states_that_count_the_items(write):
    def transitions(node: dict[str, Any]) -> int:
        path = write({"each": node}, params={"rows": {"type": "array"}})
        return int(compile_flow_file(path, items=10).report.as_dict()["worst_case_transitions"])

    literal = transitions({"foreach": {"items": [1], "do": {"uses": "step"}}})
    counted = transitions({"foreach": {"items": "{% $params.rows %}", "do": {"uses": "step"}}})
    caught = transitions({"foreach": {"items": "{% $params.rows %}", "do": {"uses": "step"}}, "on_error": "continue"})
    # a Pass counts the items; a foreach that catches its errors adds the Parallel around it
    assert (counted - literal, caught - counted) == (1, 1)


@pytest.mark.parametrize("how", ["on_error", "catch"])
def test_an_items_expression_that_fails_is_caught_by_the_foreach_node(write, tmp_path, how):
    # GIVEN a foreach over an expression that catches its errors
    (tmp_path / "functions" / "step" / "app.py").write_text(STEP)
    path = _catching_flow(write, how)
    from orchestrator.store.local import LocalRunStore
    from orchestrator.testing import run_flow

    # WHEN its items can be computed THEN every item runs, and the foreach has its total
    ok = run_flow(path, {"rows": [1, 2]}, project=tmp_path, store_dir=tmp_path / "runs")
    assert ok.status == "SUCCEEDED" and ok.output == [2, 3]
    store = LocalRunStore(tmp_path / "runs" / "runs.sqlite3")
    assert store.get_progress(ok.run_id, "each") == {"succeeded": 2, "total": 2}
    # WHEN its items expression fails THEN the node's catch gets the error, as the Map's own would
    caught = run_flow(path, {"rows": ["a"]}, project=tmp_path, store_dir=tmp_path / "runs")
    assert caught.status == "SUCCEEDED"
    if how == "on_error":  # the node's value is the error, and the flow goes on
        assert caught.output["error"] == "States.QueryEvaluationError"
        assert "$params.rows.($ + 1)" in caught.output["cause"]
    else:  # the handler ran with the error instead of the node
        assert caught.output == {"recovered": "States.QueryEvaluationError"}
    # AND the foreach's step is there as before (no item ran)
    steps = store.get_run(caught.run_id).steps
    assert sorted(s.node for s in steps) == (["each"] if how == "on_error" else ["each", "fix"])


def test_an_items_expression_that_fails_is_retried_by_the_foreach_node(write, tmp_path):
    # GIVEN a foreach over an expression that retries its errors (twice in all) and does not catch them
    (tmp_path / "functions" / "step" / "app.py").write_text(STEP)
    from orchestrator.engine import VirtualClock
    from orchestrator.flowlang.project import Project
    from orchestrator.local.runner import LocalRunner

    path = _catching_flow(write, "retry")
    # WHEN its items expression fails
    run = LocalRunner(Project(tmp_path), None, clock=VirtualClock()).run(compile_flow_file(path), {"rows": ["a"]})
    # THEN the node's Retry ran it again (the count and the Map in the node's Parallel), then the run failed
    counted = [e for e in run.history if (e.get("stateEnteredEventDetails") or {}).get("name") == "each/count"]
    assert len(counted) == 2
    assert run.status == "FAILED" and run.error == "States.QueryEvaluationError"


def test_a_local_run_counts_the_items_of_a_catching_foreach_as_its_map_starts(write, tmp_path):
    # GIVEN a catching foreach whose function does not count (no @node): only the engine does
    (tmp_path / "functions" / "step" / "app.py").write_text("def lambda_handler(event, context):\n    return event['input']\n")
    from orchestrator.store.local import LocalRunStore
    from orchestrator.testing import run_flow

    # WHEN it runs locally
    run = run_flow(_catching_flow(write, "on_error"), {"rows": [1, 2]}, project=tmp_path, store_dir=tmp_path / "runs")
    # THEN its Map, inside the node's Parallel, told the run store how many items it has
    assert run.status == "SUCCEEDED" and run.output == [2, 3]
    assert LocalRunStore(tmp_path / "runs" / "runs.sqlite3").get_progress(run.run_id, "each") == {"total": 2}
