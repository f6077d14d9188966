"""``wait_for``: block until an external event (name + correlation key) is published: the waiter
function registers the task token (``lambda:invoke.waitForTaskToken``)."""

from __future__ import annotations

from typing import Any

from orchestrator.compiler.build import LAMBDA_INVOKE, LAMBDA_SERVICE_RETRY, WAITER_FUNCTION
from orchestrator.compiler.cost import Cost, Estimator
from orchestrator.compiler.emitter import Emitter, Scope, expr
from orchestrator.compiler.kinds.base import Expression, NodeKind
from orchestrator.compiler.names import function_arn_substitution
from orchestrator.flowlang.model import Node

__all__ = ["WaitFor"]


class WaitFor(NodeKind):
    name = "wait_for"
    mermaid_shape = ("([", "])")
    dot_shape = "oval"
    timeout_hint = "use wait_for.timeout"

    def emit(self, b: Emitter, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str,
             out: dict[str, Any] | None) -> str:
        spec = node.wait_for
        assert spec is not None
        name = b.own_name(node_id, scope)
        if WAITER_FUNCTION not in b.build.functions:
            b.build.functions.append(WAITER_FUNCTION)
        state = {
            "Type": "Task",
            "Resource": LAMBDA_INVOKE + ".waitForTaskToken",
            "Arguments": {
                "FunctionName": "${" + function_arn_substitution(WAITER_FUNCTION) + "}",
                "Payload": {
                    "token": expr("$states.context.Task.Token"),
                    "event": spec.event,
                    "key": b.template(spec.key, scope),
                    "timeout": spec.timeout,
                    "context": b.context(node_id, scope),
                },
            },
            "TimeoutSeconds": spec.timeout,
            "Retry": [LAMBDA_SERVICE_RETRY],
            "Assign": {scope.var(node_id): expr("$states.result")},
            "Output": expr("$states.result"),
        }
        return b.finish(name, state, node_id, node, scope, states, nxt)

    def cost(self, est: Estimator, node: Node) -> Cost:
        return Cost(1, 1, node.wait_for.timeout if node.wait_for else 0)

    def label(self, node: Node) -> str:
        return f"wait for {node.wait_for.event}" if node.wait_for else ""

    def expressions(self, node_id: str, node: Node, handler_vars: set[str]) -> list[Expression]:
        assert node.wait_for is not None
        return [(["wait_for", "key"], node.wait_for.key, set(), False)]


KIND = WaitFor()
