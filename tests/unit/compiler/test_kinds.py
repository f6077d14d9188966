"""Each node kind is one module of orchestrator.compiler.kinds, registered by its name; the
compiler, the report, the graph and the validator ask it what is particular to its kind."""

from __future__ import annotations

from orchestrator.compiler.kinds import KINDS, NO_KIND, kind_of
from orchestrator.compiler.validate import check_flow
from orchestrator.flowlang.model import NODE_KINDS, Flow, Node
from orchestrator.render.graph import to_dot, to_mermaid


def test_every_kind_of_the_flow_language_has_its_module() -> None:
    assert list(KINDS) == list(NODE_KINDS)
    for name, kind in KINDS.items():
        assert kind.name == name
        assert type(kind).__module__.startswith("orchestrator.compiler.kinds.")


def test_a_node_is_handed_to_the_module_of_its_kind() -> None:
    assert kind_of(Node.model_validate({"uses": "greet"})) is KINDS["uses"]
    assert kind_of(Node.model_validate({"set": None})) is KINDS["set"]
    assert kind_of(Node.model_validate({})) is NO_KIND


def test_the_graph_draws_a_node_with_its_kinds_label_and_shape() -> None:
    flow = Flow.model_validate({"name": "shapes", "nodes": {
        "pick": {"switch": [{"when": "{% true %}", "then": "loop"}]},
        "loop": {"while": {"condition": "{% false %}", "do": {"set": 1}, "max_iterations": 3}},
    }})
    mermaid = to_mermaid(flow)
    assert 'n_pick{"pick<br/><small>switch</small>"}' in mermaid
    assert 'n_loop[["loop<br/><small>while ≤3</small>"]]' in mermaid
    assert '"loop" [label="loop\\nwhile \\u22643", shape=box3d];' in to_dot(flow)


def test_the_rules_that_name_kinds_list_the_kinds_that_have_the_flag() -> None:
    # GIVEN a node caught by a switch, given 'with' and 'aggregate' it does not take
    flow = Flow.model_validate({"name": "flags", "nodes": {
        "work": {"set": 1, "catch": [{"then": "pick"}]},
        "pick": {"switch": [{"when": "{% true %}", "then": "work"}], "with": 1, "aggregate": "{% 1 %}"},
        "pause": {"wait": {"seconds": 1}, "timeout": 5},
    }})
    messages = {p.message for p in check_flow(flow)}
    # THEN the messages list the kinds that may do it
    assert "a handler must be a uses, set, fail or succeed node, not switch" in messages
    assert "'with' is the input of uses/flow nodes, not of switch node" in messages
    assert "'aggregate' shapes the input of uses, foreach, flow or set nodes" in messages
    assert "'timeout' is not supported on wait nodes" in messages
