"""``uses``: call a function of ``functions/`` as a Lambda (``lambda:invoke``)."""

from __future__ import annotations

from typing import Any

from orchestrator.compiler.build import LAMBDA_SERVICE_RETRY
from orchestrator.compiler.cost import Cost, Estimator
from orchestrator.compiler.emitter import Emitter, Scope, expr
from orchestrator.compiler.kinds.base import Checks, NodeKind
from orchestrator.flowlang.model import Node

__all__ = ["Uses"]


class Uses(NodeKind):
    name = "uses"
    takes_with = True
    takes_aggregate = True
    takes_timeout = True
    handles_errors = True

    def emit(self, b: Emitter, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str,
             out: dict[str, Any] | None) -> str:
        assert node.uses is not None
        name = b.own_name(node_id, scope)
        state = b.lambda_task(node.uses, b.node_input(node_id, node, scope), node_id, scope)
        state["Retry"] = [LAMBDA_SERVICE_RETRY, *b.retry_policy(node.retry)]
        if node.timeout:
            state["TimeoutSeconds"] = node.timeout
        result = expr("$states.result.Payload")
        state["Assign"] = {scope.var(node_id): result}
        state["Output"] = result
        return b.finish(name, state, node_id, node, scope, states, nxt)

    def emit_handler(self, b: Emitter, name: str, handler_id: str, node_id: str, scope: Scope,
                     states: dict[str, Any], nxt: str) -> None:
        handler = scope.flow.nodes[handler_id]
        assert handler.uses is not None
        value = expr("$states.result.Payload")
        states[name] = b.lambda_task(handler.uses, b.node_input(handler_id, handler, scope, handler=True), handler_id, scope)
        states[name]["Retry"] = [LAMBDA_SERVICE_RETRY, *b.retry_policy(handler.retry)]
        states[name]["Assign"] = {scope.var(node_id): value, scope.var(handler_id): value}
        states[name]["Output"] = value
        states[name]["Next"] = nxt

    def cost(self, est: Estimator, node: Node) -> Cost:
        return est.calls(node.retry)

    def label(self, node: Node) -> str:
        return f"λ {node.uses}"

    def check(self, c: Checks, base: list[Any], node_id: str, node: Node) -> None:
        assert node.uses is not None
        c.check_function([*base, "uses"], node.uses)


KIND = Uses()
