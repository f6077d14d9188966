"""``succeed``: end this path successfully (a Succeed state with the flow's output)."""

from __future__ import annotations

from typing import Any

from orchestrator.compiler.emitter import Emitter, Scope, expr
from orchestrator.compiler.kinds.base import NodeKind
from orchestrator.flowlang.model import Node

__all__ = ["Succeed"]


class Succeed(NodeKind):
    name = "succeed"
    mermaid_shape = ("((", "))")
    dot_shape = "doublecircle"
    handles_errors = True
    ends_path = True

    def emit(self, b: Emitter, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str,
             out: dict[str, Any] | None) -> str:
        name = b.own_name(node_id, scope)
        output = out if out is not None else b.flow_output(scope)
        states[name] = {"Type": "Succeed", "Output": output}
        return name

    def emit_handler(self, b: Emitter, name: str, handler_id: str, node_id: str, scope: Scope,
                     states: dict[str, Any], nxt: str) -> None:
        states[name] = {"Type": "Succeed", "Output": expr("$states.input")}


KIND = Succeed()
