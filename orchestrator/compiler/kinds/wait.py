"""``wait``: pause for ``seconds`` or until a timestamp (a Wait state)."""

from __future__ import annotations

from typing import Any

from orchestrator.compiler.cost import Cost, Estimator
from orchestrator.compiler.emitter import Emitter, Scope
from orchestrator.compiler.kinds.base import Checks, Expression, NodeKind
from orchestrator.flowlang.model import Node

__all__ = ["Wait"]


class Wait(NodeKind):
    name = "wait"
    mermaid_shape = ("([", "])")
    dot_shape = "oval"

    def emit(self, b: Emitter, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str,
             out: dict[str, Any] | None) -> str:
        assert node.wait is not None
        name = b.own_name(node_id, scope)
        state: dict[str, Any] = {"Type": "Wait"}
        if node.wait.seconds is not None:
            state["Seconds"] = b.template(node.wait.seconds, scope)
        else:
            state["Timestamp"] = b.template(node.wait.until, scope)
        state["Assign"] = {scope.var(node_id): None}
        return b.finish(name, state, node_id, node, scope, states, nxt)

    def cost(self, est: Estimator, node: Node) -> Cost:
        assert node.wait is not None
        seconds = node.wait.seconds
        if isinstance(seconds, int):
            return Cost(1, 0, float(seconds))
        return Cost(1, 0, 0.0, unknown_wait=True)

    def label(self, node: Node) -> str:
        return f"wait {node.wait.seconds if node.wait and node.wait.seconds is not None else 'until'}"

    def check(self, c: Checks, base: list[Any], node_id: str, node: Node) -> None:
        assert node.wait is not None
        if (node.wait.seconds is None) == (node.wait.until is None):
            c.add([*base, "wait"], "a wait needs exactly one of 'seconds' or 'until'")

    def expressions(self, node_id: str, node: Node, handler_vars: set[str]) -> list[Expression]:
        assert node.wait is not None
        return [(["wait", "seconds"], node.wait.seconds, set(), False), (["wait", "until"], node.wait.until, set(), False)]


KIND = Wait()
