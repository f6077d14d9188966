"""``set``: pure data shaping, no Lambda (a Pass state whose output is the value)."""

from __future__ import annotations

from typing import Any

from orchestrator.compiler.emitter import Emitter, Scope
from orchestrator.compiler.kinds.base import Expression, NodeKind
from orchestrator.flowlang.model import Node

__all__ = ["Set"]


class Set(NodeKind):
    name = "set"
    mermaid_shape = ("[/", "/]")
    dot_shape = "parallelogram"
    takes_aggregate = True
    handles_errors = True

    def emit(self, b: Emitter, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str,
             out: dict[str, Any] | None) -> str:
        name = b.own_name(node_id, scope)
        value = b.template(node.set, scope)
        state = {"Type": "Pass", "Assign": {scope.var(node_id): value}, "Output": value}
        return b.finish(name, state, node_id, node, scope, states, nxt)

    def emit_handler(self, b: Emitter, name: str, handler_id: str, node_id: str, scope: Scope,
                     states: dict[str, Any], nxt: str) -> None:
        value = b.template(scope.flow.nodes[handler_id].set, scope, {"error": "$states.input"})
        states[name] = {"Type": "Pass", "Assign": {scope.var(node_id): value, scope.var(handler_id): value},
                        "Output": value, "Next": nxt}

    def expressions(self, node_id: str, node: Node, handler_vars: set[str]) -> list[Expression]:
        return [(["set"], node.set, handler_vars, False)]


KIND = Set()
