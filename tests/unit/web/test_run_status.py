"""Node statuses of a run from its execution history, with the local runner's state → node map."""

from __future__ import annotations

from pathlib import Path

from orchestrator.compiler import compile_flow_file
from orchestrator.flowlang.loader import load_flow
from orchestrator.flowlang.project import Project
from orchestrator.local.runner import LocalRunner
from orchestrator.web.layout import flow_layout
from orchestrator.web.status import history_steps, node_statuses

ROOT = Path(__file__).resolve().parents[3]


def test_a_finished_runs_history_gives_every_node_its_status_input_and_output() -> None:
    # GIVEN a local run of the if/else sample (a switch: one branch runs, the other is skipped)
    compiled = compile_flow_file(ROOT / "flows" / "liteflow-if.json")
    run = LocalRunner(Project(ROOT), None).run(compiled, {"n": 7})
    assert run.status == "SUCCEEDED"
    # WHEN its history is replayed
    steps, running = history_steps(run.history, compiled.state_nodes)
    nodes = node_statuses(list(compiled.flow.nodes), steps, running)
    # THEN each node has the status the run gave it, with its input and output
    statuses = {node: info["status"] for node, info in nodes.items()}
    assert running == {}
    assert "SUCCEEDED" in statuses.values()
    assert "SKIPPED" in statuses.values()
    succeeded = next(info for info in nodes.values() if info["status"] == "SUCCEEDED")
    assert set(succeeded["steps"][-1]["output"]) == {"input", "output"}


def test_the_layout_places_nodes_after_their_predecessors_and_draws_every_edge() -> None:
    flow = load_flow(ROOT / "flows" / "ma-crossover.json")
    layout = flow_layout(flow)
    at = {n["id"]: n for n in layout["nodes"]}
    for edge in layout["edges"]:
        assert at[edge["from"]]["x"] < at[edge["to"]]["x"], edge
    assert {(e["from"], e["to"]) for e in layout["edges"]} >= {("load-prices", "isolate-period"), ("sma-short", "signals"), ("sma-long", "signals")}
    assert at["sma-short"]["x"] == at["sma-long"]["x"] and at["sma-short"]["y"] != at["sma-long"]["y"]
    assert at["load-prices"]["summary"] == "uses load_prices"
