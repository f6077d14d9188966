"""A cache entry gives back what the compile gave: for every example flow, the definition (same
JSON, same Python types), the type, the state → node map and what a run reads of the flow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orchestrator.compiler import compile_flow_file
from orchestrator.errors import FlowctlError
from orchestrator.flowlang.params import resolve_params
from orchestrator.flowlang.project import Project
from orchestrator.local.compile_cache import compile_and_cache, load_cached

ROOT = Path(__file__).resolve().parents[3]
FLOWS = sorted((ROOT / "flows").glob("*.json"))


def _types(value: Any) -> Any:
    """The value with every leaf replaced by its type name (bool/int/float/str/None/list/dict)."""
    if isinstance(value, dict):
        return {key: _types(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [type(value).__name__, [_types(item) for item in value]]
    return type(value).__name__


def _resolved(flow: Any, given: dict[str, Any]) -> Any:
    try:
        return resolve_params(flow, given)
    except FlowctlError as exc:
        return ("error", str(exc), [(p.where, p.message, p.hint) for p in exc.problems])


@pytest.mark.parametrize("path", FLOWS, ids=[p.stem for p in FLOWS])
def test_an_entry_gives_back_the_compile(path: Path, tmp_path: Path) -> None:
    compiled = compile_and_cache(path, Project.for_flow(path), tmp_path)
    hit = load_cached(path, tmp_path)
    assert hit is not None
    assert hit.definition == compiled.definition
    assert _types(hit.definition) == _types(compiled.definition)
    assert json.dumps(hit.definition) == json.dumps(compiled.definition)
    assert hit.type == compiled.type
    assert hit.state_nodes == compiled.state_nodes
    flow, cached = compiled.flow, hit.flow
    assert (cached.name, cached.version, cached.timeout) == (flow.name, flow.version, flow.timeout)
    assert list(cached.nodes) == list(flow.nodes)
    for node_id, node in flow.nodes.items():
        assert cached.nodes[node_id].uses == node.uses
        assert (cached.nodes[node_id].foreach is None) == (node.foreach is None)
        if node.foreach is not None:
            assert cached.nodes[node_id].foreach.do.uses == node.foreach.do.uses  # type: ignore[union-attr]
    samples: list[dict[str, Any]] = [{}, {"nobody": 1}]
    for name, param in flow.params.items():
        samples += [{name: None}, {name: "x"}, {name: 1}, {name: 1.5}, {name: True}, {name: []}, {name: {}}]
        if param.default is not None:
            samples.append({name: param.default})
    for given in samples:
        assert _resolved(cached, given) == _resolved(flow, given)


def test_a_full_compile_is_what_compile_flow_file_gives(tmp_path: Path) -> None:
    path = ROOT / "flows" / "kyc.json"
    assert compile_and_cache(path, Project.for_flow(path), tmp_path).definition == compile_flow_file(path).definition
