"""``fail``: end the run failed, with an error name and a cause (a Fail state)."""

from __future__ import annotations

from typing import Any

from orchestrator.compiler.emitter import Emitter, Scope
from orchestrator.compiler.kinds.base import Expression, NodeKind
from orchestrator.flowlang.model import Node

__all__ = ["Fail", "fail_state"]


def fail_state(b: Emitter, node: Node, scope: Scope, extra: dict[str, str] | None = None) -> dict[str, Any]:
    assert node.fail is not None
    state: dict[str, Any] = {"Type": "Fail", "Error": b.template(node.fail.error, scope, extra)}
    if node.fail.cause:
        state["Cause"] = b.template(node.fail.cause, scope, extra)
    return state


class Fail(NodeKind):
    name = "fail"
    mermaid_shape = ("((", "))")
    dot_shape = "doublecircle"
    handles_errors = True
    ends_path = True

    def emit(self, b: Emitter, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str,
             out: dict[str, Any] | None) -> str:
        name = b.own_name(node_id, scope)
        states[name] = fail_state(b, node, scope)
        return name

    def emit_handler(self, b: Emitter, name: str, handler_id: str, node_id: str, scope: Scope,
                     states: dict[str, Any], nxt: str) -> None:
        states[name] = fail_state(b, scope.flow.nodes[handler_id], scope, {"error": "$states.input"})

    def label(self, node: Node) -> str:
        return f"fail {node.fail.error}" if node.fail else "fail"

    def expressions(self, node_id: str, node: Node, handler_vars: set[str]) -> list[Expression]:
        assert node.fail is not None
        return [(["fail", "error"], node.fail.error, handler_vars, False),
                (["fail", "cause"], node.fail.cause, handler_vars, False)]


KIND = Fail()
