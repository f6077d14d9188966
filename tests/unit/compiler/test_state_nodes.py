"""The compiler returns, with the ASL, the flow node of every state it emitted (at every level)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestrator.compiler import compile_flow_file
from orchestrator.compiler.build import BODY, NODE

ROOT = Path(__file__).resolve().parents[3]
FLOWS = sorted((ROOT / "flows").glob("*.json"))


def _all_states(definition: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for name, state in definition.get("States", {}).items():
        found.append(name)
        for branch in state.get("Branches", []):
            found.extend(_all_states(branch))
        if "ItemProcessor" in state:
            found.extend(_all_states(state["ItemProcessor"]))
    return found


@pytest.mark.parametrize("path", FLOWS, ids=[p.stem for p in FLOWS])
def test_every_emitted_state_is_in_the_map_and_every_node_has_its_own_state(path: Path) -> None:
    # GIVEN a flow of the project WHEN it is compiled
    compiled = compile_flow_file(path)
    # THEN the map names exactly the states of the definition, nested ones included
    states = _all_states(compiled.definition)
    assert sorted(states) == sorted(compiled.state_nodes)
    # AND every top-level node of the DAG has one state of its own
    handlers = {c.then for node in compiled.flow.nodes.values() for c in node.catch}
    own = [owner.node for owner in compiled.state_nodes.values() if owner.role == NODE]
    for node_id in compiled.flow.nodes:
        if node_id not in handlers:
            assert own.count(node_id) == 1, node_id
    # AND a foreach's per-item state belongs to the foreach
    for node_id, node in compiled.flow.nodes.items():
        if node.foreach is not None:
            assert [s for s, o in compiled.state_nodes.items() if o.role == BODY and o.node == node_id]
