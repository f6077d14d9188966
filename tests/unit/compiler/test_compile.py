"""GIVEN a flow WHEN compiled THEN the ASL has the documented shape, deterministically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from orchestrator.cli.app import app
from orchestrator.compiler import CompileError, asl_text, compile_flow_file
from orchestrator.compiler.asl import LAMBDA_SERVICE_RETRY
from orchestrator.engine import Engine, VirtualClock


@pytest.fixture
def write(tmp_path: Path):
    (tmp_path / "flows").mkdir()
    for name in ("step", "other", "waiter"):
        (tmp_path / "functions" / name).mkdir(parents=True)
        (tmp_path / "functions" / name / "app.py").write_text("")

    def _write(doc: dict[str, Any]) -> Path:
        path = tmp_path / "flows" / f"{doc['name']}.json"
        path.write_text(json.dumps(doc))
        return path

    return _write


def states_of(definition: dict[str, Any]) -> dict[str, Any]:
    """Every state, nested ones included, by name."""
    found: dict[str, Any] = {}
    for name, state in definition["States"].items():
        found[name] = state
        for branch in state.get("Branches", []):
            found.update(states_of(branch))
        if "ItemProcessor" in state:
            found.update(states_of(state["ItemProcessor"]))
    return found


def test_task_node_uses_lambda_invoke_with_substitution_and_retries(write) -> None:
    path = write({"name": "t", "nodes": {"a": {"uses": "step", "retry": {"max_attempts": 4, "interval": 2, "backoff": 3, "max_delay": 30, "jitter": True}, "timeout": 9}}})
    compiled = compile_flow_file(path)
    state = compiled.definition["States"]["a"]
    assert compiled.definition["QueryLanguage"] == "JSONata"
    assert state["Resource"] == "arn:aws:states:::lambda:invoke"
    assert state["Arguments"]["FunctionName"] == "${StepFunctionArn}"
    assert state["Retry"][0] == LAMBDA_SERVICE_RETRY
    assert state["Retry"][1] == {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 3.0, "MaxDelaySeconds": 30, "JitterStrategy": "FULL"}
    assert state["TimeoutSeconds"] == 9
    assert state["Assign"] == {"a": "{% $states.result.Payload %}"}
    assert compiled.substitutions == {"StepFunctionArn": "step"}


@pytest.mark.parametrize(("machine_type", "redrive", "seen"), [("STANDARD", 0, 0), ("STANDARD", 2, 2), ("EXPRESS", 0, 0)])
def test_node_payload_carries_the_redrive_round(write, machine_type: str, redrive: int, seen: int) -> None:
    # GIVEN a compiled node, run as a first execution, as redrive round 2, or on Express (whose
    # context object has no RedriveCount)
    compiled = compile_flow_file(write({"name": "t", "nodes": {"a": {"uses": "step"}}}))
    contexts: list[Any] = []
    handlers = {"StepFunctionArn": lambda event, _: contexts.append(event["context"])}
    engine = Engine(compiled.definition, handlers=handlers, clock=VirtualClock(), state_machine_type=machine_type)
    # WHEN it runs
    assert engine.start({}, redrive_count=redrive).status == "SUCCEEDED"
    # THEN the node's payload context says which round (and which attempt within it) this is
    assert (contexts[0]["redrive"], contexts[0]["attempt"]) == (seen, 0)


def test_fan_in_receives_outputs_keyed_by_predecessor(write) -> None:
    path = write({"name": "t", "nodes": {"a": {"uses": "step"}, "b-x": {"uses": "step"}, "c": {"uses": "other", "after": ["a", "b-x"]}}})
    definition = compile_flow_file(path).definition
    assert definition["States"]["c"]["Arguments"]["Payload"]["input"] == '{% {"a": $a, "b-x": $b_x} %}'
    parallel = definition["States"]["parallel: a | b-x"]
    assert parallel["Type"] == "Parallel"
    assert parallel["Assign"] == {"a": "{% $states.result[0].a %}", "b_x": "{% $states.result[1].b_x %}"}


def test_aggregate_shapes_the_fan_in_input(write) -> None:
    path = write({"name": "t", "nodes": {"a": {"uses": "step"}, "b": {"uses": "step"}, "c": {"uses": "other", "after": ["a", "b"], "aggregate": "$count($keys($inputs))"}}})
    text = compile_flow_file(path).definition["States"]["c"]["Arguments"]["Payload"]["input"]
    assert text == '{% ($inputs := {"a": $a, "b": $b}; $count($keys($inputs))) %}'


def test_non_series_parallel_dag_compiles_with_reported_sync_edges(write) -> None:
    path = write({"name": "t", "nodes": {"a": {"uses": "step"}, "b": {"uses": "step"}, "c": {"uses": "step", "after": ["a"]}, "d": {"uses": "step", "after": ["a", "b"]}}})
    compiled = compile_flow_file(path)
    assert compiled.report.added_edges == [("b", "c")]
    result = CliRunner().invoke(app, ["compile", str(path)])
    assert result.exit_code == 0 and "added sync edges: b → c" in result.output


def test_switch_compiles_to_choice_and_guards_targets(write) -> None:
    path = write({"name": "t", "nodes": {
        "s": {"switch": [{"when": "{% $params.x > 1 %}", "then": "big"}], "default": "small"},
        "big": {"uses": "step"}, "small": {"uses": "step"}}})
    states = states_of(compile_flow_file(path).definition)
    assert states["s"]["Type"] == "Choice"
    assert states["s"]["Choices"][0]["Condition"] == "{% $params.x > 1 %}"
    assert states["big?"]["Choices"][0]["Condition"] == '{% "big" in $s.targets %}'
    assert states["big (skipped)"]["Assign"] == {"big": None}


def test_foreach_compiles_to_map_and_distributed_when_concurrency_is_high(write) -> None:
    body = {"uses": "step", "with": "{% $item %}"}
    inline = write({"name": "t", "nodes": {"f": {"foreach": {"items": "{% $params.list %}", "concurrency": 5, "do": body}}}})
    state = compile_flow_file(inline).definition["States"]["f"]
    assert state["Type"] == "Map" and state["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
    assert state["MaxConcurrency"] == 5
    wide = write({"name": "w", "nodes": {"f": {"foreach": {"items": "{% $params.list %}", "concurrency": 100, "tolerated_failures": "10%", "do": body}}}})
    compiled = compile_flow_file(wide)
    state = compiled.definition["States"]["f"]
    assert state["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}
    assert state["ToleratedFailurePercentage"] == 10 and isinstance(state["ToleratedFailurePercentage"], int)
    assert compiled.type == "STANDARD"


def test_while_compiles_to_a_bounded_choice_loop(write) -> None:
    path = write({"name": "t", "nodes": {"loop": {"while": {"condition": "$iteration < 3", "max_iterations": 5, "do": {"set": "{% $iteration %}"}}}}})
    states = states_of(compile_flow_file(path).definition)
    check = states["loop/check"]
    assert check["Type"] == "Choice"
    assert check["Choices"][0]["Condition"] == "{% $Iter_loop >= 5 and (($iteration := $Iter_loop; $iteration < 3)) %}"
    assert states["loop/limit"]["Error"] == "Flow.LoopLimitExceeded"


def test_a_while_body_without_with_gets_what_a_node_without_with_gets(write) -> None:
    # GIVEN a while whose body is a sub-flow or a function, without `with` (there is no $item in a while)
    write({"name": "child", "params": {"n": {"type": "integer"}}, "nodes": {"x": {"set": "{% $params.n * 10 %}"}}, "output": "{% $x %}"})
    path = write({"name": "t", "nodes": {
        "a": {"set": {"n": 4}},
        "loop": {"after": ["a"], "while": {"condition": "{% $iteration < 2 %}", "do": {"flow": "child"}}},
        "fn": {"after": ["loop"], "while": {"condition": "{% $iteration < 1 %}", "do": {"uses": "step"}}}}})
    states = states_of(compile_flow_file(path).definition)
    # THEN each body's input is its predecessor's output, as for a node without `with`
    assert states["loop/do"]["Arguments"] == "{% $a %}"
    assert states["fn/do"]["Arguments"]["Payload"]["input"] == "{% $loop %}"
    # AND the sub-flow loop runs (it failed on an undefined $item before)
    definition = compile_flow_file(path).definition
    result = Engine(definition, clock=VirtualClock(), mocks={"fn/do": {"payload": "ok"}}).start({})
    assert result.status == "SUCCEEDED", result.cause


def test_wait_for_is_a_task_token_task_and_forces_standard(write) -> None:
    path = write({"name": "t", "nodes": {"w": {"wait_for": {"event": "paid", "key": "{% $params.order %}", "timeout": 60}}}})
    compiled = compile_flow_file(path)
    state = compiled.definition["States"]["w"]
    assert state["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert state["Arguments"]["Payload"]["token"] == "{% $states.context.Task.Token %}"
    assert state["TimeoutSeconds"] == 60
    assert compiled.type == "STANDARD"
    with pytest.raises(CompileError):
        compile_flow_file(write({"name": "x", "type": "EXPRESS", "nodes": {"w": {"wait_for": {"event": "e", "key": "k"}}}}))


def test_subflow_inline_and_nested(write) -> None:
    write({"name": "child", "params": {"v": {"type": "number"}}, "nodes": {"a": {"uses": "other", "with": "{% $params.v %}"}}})
    inline = compile_flow_file(write({"name": "parent", "nodes": {"c": {"flow": "child", "with": {"v": 1}}}}))
    wrapper = inline.definition["States"]["c"]
    assert wrapper["Type"] == "Parallel" and wrapper["Arguments"] == {"v": 1}
    inner = wrapper["Branches"][0]["States"]
    assert inner["c/a"]["Arguments"]["Payload"]["input"] == "{% ($params := $Sub_c__params; $params.v) %}"
    nested = compile_flow_file(write({"name": "parent2", "nodes": {"c": {"flow": {"name": "child", "mode": "nested"}, "with": {"v": 1}}}}))
    state = nested.definition["States"]["c"]
    assert state["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
    assert nested.substitutions == {"ChildStateMachineArn": "child"}
    assert nested.type == "STANDARD"


def test_catch_handler_and_on_error_continue(write) -> None:
    path = write({"name": "t", "nodes": {
        "a": {"uses": "step", "catch": [{"errors": ["ValueError"], "then": "fix"}]},
        "fix": {"set": {"recovered": "{% $error.error %}"}},
        "b": {"uses": "other", "after": ["a"], "on_error": "continue"}}})
    states = states_of(compile_flow_file(path).definition)
    assert states["a"]["Catch"][0]["ErrorEquals"] == ["ValueError"]
    handler = states[states["a"]["Catch"][0]["Next"]]
    assert handler["Assign"]["a"] == {"recovered": "{% ($error := $states.input; $error.error) %}"}
    assert handler["Next"] == "b"
    assert states["b"]["Catch"][0]["ErrorEquals"] == ["States.ALL"] and "b" in states["b"]["Catch"][0]["Assign"]


def test_compiling_twice_gives_identical_bytes(write) -> None:
    doc = {"name": "t", "nodes": {"a": {"uses": "step"}, "b": {"uses": "step"}, "c": {"uses": "other", "after": ["a", "b"]}}}
    first = asl_text(compile_flow_file(write(doc)).definition)
    second = asl_text(compile_flow_file(write(doc)).definition)
    assert first == second


def test_report_counts_states_transitions_and_cost(write) -> None:
    path = write({"name": "t", "nodes": {"f": {"foreach": {"items": [1, 2], "do": {"uses": "step"}}}}})
    report = compile_flow_file(path, items=10).report.as_dict()
    assert report["states"] == 5
    assert report["worst_case_transitions"] == 1 + 10 * 2 + 2
    assert report["cost_per_million_runs_usd"]["standard"] == pytest.approx(23 * 25.0)
    assert report["payload_risks"]
    result = CliRunner().invoke(app, ["compile", str(path), "--report", "-o", str(path.with_suffix(".asl.json"))])
    assert result.exit_code == 0 and "cost / million runs" in result.output


def test_graph_renders_mermaid_and_dot(write) -> None:
    path = write({"name": "t", "nodes": {"s": {"switch": [{"when": "{% $params.x %}", "then": "a"}]}, "a": {"uses": "step"}}})
    mermaid = CliRunner().invoke(app, ["graph", str(path)])
    assert mermaid.exit_code == 0 and mermaid.output.startswith("flowchart TD") and 'n_s -->|"$params.x"| n_a' in mermaid.output
    dot = CliRunner().invoke(app, ["graph", str(path), "--format", "dot"])
    assert dot.exit_code == 0 and dot.output.startswith('digraph "t"')
    # DOT's line break is the two characters \n inside the quoted label, not an escaped backslash
    assert '"s" [label="s\\nswitch", shape=diamond];' in dot.output
    assert "\\\\n" not in dot.output
