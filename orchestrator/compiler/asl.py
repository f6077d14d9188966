"""Flow → Amazon States Language (QueryLanguage JSONata, variables for node outputs).

How a flow maps to states:

* ``Params`` (Pass) merges the parameter defaults with the execution input into ``$params``.
* The DAG becomes nested ``Parallel`` states (see :mod:`orchestrator.compiler.sp`). Each branch
  ends in a Pass that outputs the variables assigned in it; the Parallel re-assigns them, because
  variables assigned inside a branch are not visible after it.
* Each node's output is the variable ``$<id>`` (``-`` → ``_``) and the state's output. Its states
  come from its kind's module (:mod:`orchestrator.compiler.kinds`): ``uses`` → ``lambda:invoke``
  with ``${<Name>FunctionArn}``; ``switch`` → Choice that records the taken branch (nodes of
  untaken branches are skipped: their variable is null); ``foreach`` → Map; ``while`` → a bounded
  Choice loop; ``flow`` → the sub-flow's states in a single-branch Parallel or
  ``states:startExecution.sync:2``; ``wait_for`` → ``lambda:invoke.waitForTaskToken``.
* ``Done`` (Succeed) outputs the flow's ``output``.
* :attr:`AslBuild.state_nodes` maps every state emitted, at every nesting level, to the flow node
  it belongs to (:class:`StateNode`: node path and role), so that nothing downstream has to parse
  state names (which are cut at 80 characters).

Expressions of a sub-flow or loop body are evaluated against renamed variables by wrapping them
in a JSONata block that binds the names the author wrote: ``($params := $Sub_x__params; ...)``.
The result is deterministic: same flow, same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from orchestrator.compiler.build import (
    HANDLER,
    INTERNAL,
    LAMBDA_SERVICE_RETRY,
    PROJECT_DATA_BUCKET,
    PROJECT_DATA_BUCKET_PLACEHOLDER,
    SKIPPED,
    AslBuild,
    FlowLoader,
    StateNode,
)
from orchestrator.compiler.emitter import Emitter, Scope, expr
from orchestrator.compiler.errors import CompileError
from orchestrator.compiler.kinds import kind_of
from orchestrator.compiler.sp import Parallel, Series, Tree, decompose, leaves
from orchestrator.flowlang.expressions import var_name
from orchestrator.flowlang.graph import flow_graph, switch_targets
from orchestrator.flowlang.model import Flow, Node

__all__ = [
    "LAMBDA_SERVICE_RETRY",
    "PROJECT_DATA_BUCKET",
    "PROJECT_DATA_BUCKET_PLACEHOLDER",
    "AslBuild",
    "StateNode",
    "build_asl",
]


class Builder(Emitter):
    """Walks a flow's series-parallel tree and hands each node to its kind."""

    def emit_handler(self, handler_id: str, node_id: str, scope: Scope, states: dict[str, Any], nxt: str) -> str:
        name = self.name(f"{scope.prefix}{handler_id} (for {node_id})", scope.path + handler_id, HANDLER)
        kind_of(scope.flow.nodes[handler_id]).emit_handler(self, name, handler_id, node_id, scope, states, nxt)
        return name

    # -- tree ---------------------------------------------------------------------------------
    def emit_tree(self, tree: Tree, scope: Scope, states: dict[str, Any], nxt: str, out: dict[str, Any] | None) -> str:
        if isinstance(tree, str):
            return self.emit_leaf(tree, scope, states, nxt, out)
        if isinstance(tree, Series):
            entry = nxt
            for part in reversed(tree.parts):
                entry = self.emit_tree(part, scope, states, entry, out)
            return entry
        return self.emit_parallel(tree, scope, states, nxt)

    def emit_parallel(self, tree: Parallel, scope: Scope, states: dict[str, Any], nxt: str) -> str:
        firsts = [leaves(b)[0] for b in tree.branches]
        name = self.name(f"{scope.prefix}parallel: " + " | ".join(firsts), scope.owner, INTERNAL)
        branches = []
        assign: dict[str, Any] = {}
        for i, branch in enumerate(tree.branches):
            branch_states: dict[str, Any] = {}
            names = [scope.var(leaf) for leaf in leaves(branch)]
            collect = {v: expr(f"${v}") for v in names}
            out_name = self.name(f"{scope.prefix}{firsts[i]} (branch done)", scope.owner, INTERNAL)
            guarded = {v: expr(f"$exists(${v}) ? ${v} : null") for v in names}
            entry = self.emit_tree(branch, scope, branch_states, out_name, guarded)
            branch_states[out_name] = {"Type": "Pass", "Output": collect, "End": True}
            branches.append({"StartAt": entry, "States": branch_states})
            for v in names:
                assign[v] = expr(f"$states.result[{i}].{v}")
        states[name] = {"Type": "Parallel", "Branches": branches, "Assign": assign, "Output": expr("$states.input"), "Next": nxt}
        return name

    def guard(self, node_id: str, scope: Scope, memo: dict[str, str | None]) -> str | None:
        """JSONata condition under which a node runs (None: always), given switch decisions.
        The nodes before it get theirs first, in topological order (a 5,000-node chain would
        otherwise recurse 5,000 calls deep)."""
        if node_id in memo:
            return memo[node_id]
        for before in scope.graph.order:
            if before == node_id:
                break
            if before not in memo:
                memo[before] = self._guard(before, scope, memo)
        memo[node_id] = self._guard(node_id, scope, memo)
        return memo[node_id]

    def _guard(self, node_id: str, scope: Scope, memo: dict[str, str | None]) -> str | None:
        terms: list[str] = []
        always = not scope.graph.preds[node_id]
        for pred in scope.graph.preds[node_id]:
            pred_guard = self.guard(pred, scope, memo)
            pred_node = scope.flow.nodes[pred]
            edge = None
            if pred_node.switch is not None and node_id in switch_targets(pred_node):
                edge = f"{json.dumps(node_id)} in ${var_name(pred)}.targets"
            parts = [p for p in (pred_guard, edge) if p]
            if not parts:
                always = True
                break
            term = " and ".join(f"({p})" for p in parts) if len(parts) > 1 else parts[0]
            if term not in terms:
                terms.append(term)
        return None if always else " or ".join(f"({t})" for t in terms) if len(terms) > 1 else terms[0]

    def emit_leaf(self, node_id: str, scope: Scope, states: dict[str, Any], nxt: str, out: dict[str, Any] | None) -> str:
        node = scope.flow.nodes[node_id]
        entry = self.emit_node(node_id, node, scope, states, nxt, out)
        condition = self.guard(node_id, scope, scope.guards)
        if condition is None:
            return entry
        check = self.name(f"{scope.prefix}{node_id}?", scope.path + node_id, INTERNAL)
        skip = self.name(f"{scope.prefix}{node_id} (skipped)", scope.path + node_id, SKIPPED)
        states[check] = {
            "Type": "Choice",
            "Choices": [{"Condition": expr(self.wrap(condition, scope)), "Next": entry}],
            "Default": skip,
        }
        states[skip] = {"Type": "Pass", "Assign": {scope.var(node_id): None}, "Output": expr("null"), "Next": nxt}
        return check

    def emit_node(self, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str, out: dict[str, Any] | None) -> str:
        return kind_of(node).emit(self, node_id, node, scope, states, nxt, out)

    def ends_path(self, node: Node) -> bool:
        return kind_of(node).ends_path

    def build_root(self) -> AslBuild:
        flow = self.root
        graph = flow_graph(flow)
        if graph.cycle:
            raise CompileError(f"/nodes/{graph.cycle[0]}/after", "cycle: " + " -> ".join(graph.cycle))
        names = {"params": "$params"}
        names.update({var_name(n): f"${var_name(n)}" for n in flow.nodes})
        scope = Scope(flow, graph, "", "", names)
        decomposition = decompose(graph.nodes, graph.preds)
        self.build.trees[flow.name] = decomposition.tree
        if decomposition.added_edges:
            self.build.added_edges[flow.name] = list(decomposition.added_edges)
        states: dict[str, Any] = {}
        for reserved in ("Params", "Done"):
            self.state_names.add(reserved)
            self.build.state_nodes[reserved] = StateNode("", INTERNAL)
        states["Done"] = {"Type": "Succeed", "Output": self.flow_output(scope)}
        assert decomposition.tree is not None
        entry = self.emit_tree(decomposition.tree, scope, states, "Done", None)
        states["Params"] = {"Type": "Pass", "Assign": {"params": expr(self.params_merge(flow))}, "Next": entry}
        definition: dict[str, Any] = {
            "Comment": f"flowctl: {flow.name} v{flow.version}" + (f" — {flow.description}" if flow.description else ""),
            "QueryLanguage": "JSONata",
            "StartAt": "Params",
            "States": _ordered(states, "Params"),
        }
        if flow.timeout:
            definition["TimeoutSeconds"] = flow.timeout
        self.build.definition = definition
        self.build.functions.sort()
        self.build.nested_flows.sort()
        self.build.inlined_flows.sort()
        return self.build



def _ordered(states: dict[str, Any], start: str) -> dict[str, Any]:
    """States in execution order (depth-first from ``start``), then the rest; recursive."""
    order: list[str] = []
    seen: set[str] = set()
    stack = [start]
    while stack:
        name = stack.pop()
        if name in seen or name not in states:
            continue
        order.append(name)
        seen.add(name)
        state = states[name]
        targets: list[str] = []
        for choice in state.get("Choices", []):
            targets.append(choice["Next"])
        if "Default" in state:
            targets.append(state["Default"])
        for catch in state.get("Catch", []):
            targets.append(catch["Next"])
        if "Next" in state:
            targets.append(state["Next"])
        stack.extend(reversed(targets))
    order.extend(sorted(n for n in states if n not in seen))
    result = {}
    for name in order:
        state = dict(states[name])
        if "Branches" in state:
            state["Branches"] = [{"StartAt": b["StartAt"], "States": _ordered(b["States"], b["StartAt"])} for b in state["Branches"]]
        if "ItemProcessor" in state:
            proc = dict(state["ItemProcessor"])
            proc["States"] = _ordered(proc["States"], proc["StartAt"])
            state["ItemProcessor"] = proc
        result[name] = state
    return result


def build_asl(flow: Flow, load_flow: FlowLoader | None = None) -> AslBuild:
    """Compile a validated flow; ``load_flow(name)`` supplies sub-flows."""
    return Builder(flow, load_flow).build_root()
