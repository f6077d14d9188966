"""GIVEN a flow whose inlined sub-flows nest long node ids, so that state names are cut at 80
characters, WHEN it runs locally THEN each node's steps are recorded under its real node path
(from the compiler's state → node map), not under a cut state name."""

from __future__ import annotations

import json
from pathlib import Path

from orchestrator.compiler import compile_flow_file
from orchestrator.flowlang.project import Project
from orchestrator.local.runner import LocalRunner, NodeEvent
from orchestrator.web.status import history_steps, node_statuses

OUTER = "outer-sub-flow-node-with-a-deliberately-long-identifier-aaaaaa"
MIDDLE = "middle-sub-flow-node-with-a-deliberately-long-identifier-bbbbb"
LEAF = "leaf-set-node-with-a-deliberately-long-identifier-cccccccccccc"


def _project(tmp_path: Path) -> Project:
    flows = tmp_path / "flows"
    flows.mkdir()
    (tmp_path / "functions").mkdir()
    documents = {
        "deep": {"name": "deep", "nodes": {OUTER: {"flow": "deep-middle"}}},
        "deep-middle": {"name": "deep-middle", "nodes": {
            MIDDLE: {"flow": "deep-leaf"},
            "after-middle": {"set": {"done": True}, "after": [MIDDLE]},
        }},
        "deep-leaf": {"name": "deep-leaf", "nodes": {
            LEAF: {"set": {"value": 42}},
            "skipped-one": {"switch": [{"when": "{% false %}", "then": "never"}]},
            "never": {"set": 1},
        }},
    }
    for name, doc in documents.items():
        (flows / f"{name}.json").write_text(json.dumps(doc))
    return Project(tmp_path)


def test_deeply_nested_nodes_are_recorded_under_their_full_node_path(tmp_path: Path) -> None:
    project = _project(tmp_path)
    compiled = compile_flow_file(tmp_path / "flows" / "deep.json", project)
    leaf_path = f"{OUTER}/{MIDDLE}/{LEAF}"
    assert len(leaf_path) > 80  # its state name is cut
    assert leaf_path not in compiled.state_nodes
    events: list[NodeEvent] = []
    # WHEN the flow runs locally
    run = LocalRunner(project, None, on_node=events.append).run(compiled, {})
    # THEN it succeeds and its nodes are reported under their full paths
    assert run.status == "SUCCEEDED", run.cause
    finished = {e.node for e in events if e.status == "SUCCEEDED"}
    assert {OUTER, f"{OUTER}/{MIDDLE}", leaf_path, f"{OUTER}/after-middle"} <= finished
    skipped = {e.node for e in events if e.status == "SKIPPED"}
    assert skipped == {f"{OUTER}/{MIDDLE}/never"}
    reported = {e.node for e in events}
    assert all(not node.endswith("...") for node in reported), reported
    # AND the dashboard, replaying the history with the same map, attributes them the same way
    steps, running = history_steps(run.history, compiled.state_nodes)
    assert leaf_path in {s.node for s in steps}
    statuses = node_statuses(list(compiled.flow.nodes), steps, running)
    assert statuses[OUTER]["status"] == "SUCCEEDED"
