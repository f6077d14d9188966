"""GIVEN flows WHEN their graph and their nodes' kinds are looked up THEN a compile builds each
flow's graph once, and a node's kind is the first of its kinds."""

from __future__ import annotations

from orchestrator.compiler import compile_flow
from orchestrator.flowlang import graph as graph_module
from orchestrator.flowlang.graph import flow_graph, shared_graphs
from orchestrator.flowlang.loader import parse_flow
from orchestrator.flowlang.model import Node

DOC = {"name": "g", "nodes": {"a": {"set": {"x": 1}}, "b": {"after": ["a"], "set": {"y": "{% $a.x %}"}}}}


def test_a_graph_is_built_once_per_flow_within_a_shared_scope() -> None:
    # GIVEN a flow and a copy of it
    flow = parse_flow(DOC)
    other = parse_flow(DOC)
    # WHEN graphs are asked for inside a shared scope and outside it
    with shared_graphs():
        first, again, of_other = flow_graph(flow), flow_graph(flow), flow_graph(other)
        with shared_graphs():  # (a nested scope shares the outer one's graphs)
            nested = flow_graph(flow)
    after = flow_graph(flow)
    # THEN one flow object gets one graph in the scope; another object, or outside, a new one
    assert first is again is nested
    assert of_other is not first and of_other.order == first.order == ["a", "b"]
    assert after is not first and after.order == first.order


def test_a_compile_builds_the_graph_of_its_flow_once(monkeypatch) -> None:
    # GIVEN a flow, and the graph builder counted
    built: list[str] = []
    real = graph_module._build

    def counted(flow):
        built.append(flow.name)
        return real(flow)

    monkeypatch.setattr(graph_module, "_build", counted)
    # WHEN it is compiled (checked, built and estimated)
    compile_flow(parse_flow(DOC))
    # THEN its graph was built once
    assert built == ["g"]


def test_a_nodes_kind_is_the_first_of_its_kinds() -> None:
    # GIVEN nodes of one kind, of none, of two (invalid, reported by validation), an empty set
    one = Node.model_validate({"uses": "f"})
    loop = Node.model_validate({"while": {"condition": "{% true %}", "do": {"set": {}}}})
    none = Node.model_validate({})
    two = Node.model_validate({"uses": "f", "wait": {"seconds": 1}})
    empty_set = Node.model_validate({"set": {}})
    null_uses = Node.model_validate({"uses": None, "wait": {"seconds": 1}})
    # THEN the kind is the first of the kinds (a kind given as null is none), "" for none
    assert null_uses.kinds() == ["wait"]
    for node in (one, loop, none, two, empty_set, null_uses):
        assert node.kind == (node.kinds()[0] if node.kinds() else "")
    assert (one.kind, loop.kind, none.kind, two.kinds(), empty_set.kind) == ("uses", "while", "", ["uses", "wait"], "set")
