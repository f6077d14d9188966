"""``flow``: run another flow of ``flows/`` as a sub-flow: its states inlined in a single-branch
Parallel (own variable scope), or a nested execution (``states:startExecution.sync:2``).

Expressions of an inlined sub-flow are evaluated against renamed variables (``$Sub_<node>__x``)
by wrapping them in a JSONata block that binds the names the author wrote.
"""

from __future__ import annotations

from typing import Any

from orchestrator.compiler.build import INTERNAL, START_SYNC
from orchestrator.compiler.cost import Cost, Estimator
from orchestrator.compiler.emitter import Emitter, Scope, expr
from orchestrator.compiler.kinds.base import Checks, NodeKind
from orchestrator.compiler.names import state_machine_arn_substitution
from orchestrator.compiler.sp import decompose
from orchestrator.flowlang.expressions import var_name
from orchestrator.flowlang.graph import flow_graph
from orchestrator.flowlang.model import Flow, Node

__all__ = ["SubFlow", "subflow_states"]


def subflow_states(b: Emitter, sub: Flow, ns: str, scope: Scope, states: dict[str, Any], nxt: str | None, node_path: str) -> str:
    """Emit ``sub``'s states (params from ``$states.input``); return the entry state name."""
    graph = flow_graph(sub)
    names = {"params": f"${ns}__params"}
    names.update({var_name(n): f"${ns}__{var_name(n)}" for n in sub.nodes})
    inner = Scope(sub, graph, scope.prefix + node_path + "/", scope.path + node_path + "/", names, scope.index_expr)
    b.stack.append(sub.name)
    try:
        decomposition = decompose(graph.nodes, graph.preds)
        if decomposition.added_edges:
            b.build.added_edges[f"{b.root.name}:{inner.path.rstrip('/')}"] = list(decomposition.added_edges)
        out_name = b.name(f"{inner.prefix}output", inner.owner, INTERNAL)
        states[out_name] = b.link({"Type": "Pass", "Output": b.flow_output(inner)}, nxt)
        assert decomposition.tree is not None
        entry = b.emit_tree(decomposition.tree, inner, states, out_name, None)
    finally:
        b.stack.pop()
    params_name = b.name(f"{inner.prefix}params", inner.owner, INTERNAL)
    states[params_name] = {
        "Type": "Pass",
        "Assign": {f"{ns}__params": expr(b.params_merge(sub))},
        "Next": entry,
    }
    if sub.name not in b.build.inlined_flows:
        b.build.inlined_flows.append(sub.name)
    return params_name


def _nested_task(b: Emitter, node_id: str, node: Node, scope: Scope) -> dict[str, Any]:
    name = b.subflow_name(node.flow)
    b.load_subflow(name, f"/nodes/{node_id}/flow")
    if name not in b.build.nested_flows:
        b.build.nested_flows.append(name)
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": START_SYNC,
        "Arguments": {
            "StateMachineArn": "${" + state_machine_arn_substitution(name) + "}",
            "Input": b.node_input(node_id, node, scope),
        },
        "Assign": {scope.var(node_id): expr("$states.result.Output")},
        "Output": expr("$states.result.Output"),
    }
    retry = b.retry_policy(node.retry)
    if retry:
        state["Retry"] = retry
    if node.timeout:
        state["TimeoutSeconds"] = node.timeout
    return state


class SubFlow(NodeKind):
    name = "flow"
    mermaid_shape = ("[[", "]]")
    dot_shape = "component"
    takes_with = True
    takes_aggregate = True
    takes_timeout = True

    def emit(self, b: Emitter, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str,
             out: dict[str, Any] | None) -> str:
        name = b.own_name(node_id, scope)
        if b.subflow_mode(node.flow) == "nested":
            return b.finish(name, _nested_task(b, node_id, node, scope), node_id, node, scope, states, nxt)
        branch: dict[str, Any] = {}
        sub = b.load_subflow(b.subflow_name(node.flow), f"/nodes/{node_id}/flow")
        entry = subflow_states(b, sub, f"Sub_{scope.var(node_id)}", scope, branch, None, node_id)
        arguments = b.node_input(node_id, node, scope)
        return b.wrapped(name, node_id, node, scope, states, nxt, entry, branch, arguments)

    def cost(self, est: Estimator, node: Node) -> Cost:
        attempts = 1 + est.retries(node.retry)
        name = node.flow if isinstance(node.flow, str) else node.flow.name if node.flow else ""
        return est.flow(est.load_flow(name)).times(attempts) + Cost(3)

    def label(self, node: Node) -> str:
        return f"sub-flow {node.flow if isinstance(node.flow, str) else node.flow.name if node.flow else ''}"

    def check(self, c: Checks, base: list[Any], node_id: str, node: Node) -> None:
        c.check_subflow([*base, "flow"], node.flow)
        inline = isinstance(node.flow, str) or (node.flow is not None and node.flow.mode == "inline")
        if node.timeout is not None and node.kind == self.name and inline:
            c.add([*base, "timeout"], "'timeout' on a sub-flow needs mode 'nested'", "set flow: {name: ..., mode: nested}")


KIND = SubFlow()
