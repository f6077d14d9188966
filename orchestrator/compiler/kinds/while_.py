"""``while``: a bounded loop — a Choice that runs the body while the condition holds, and fails
with ``Flow.LoopLimitExceeded`` after ``max_iterations``; in a single-branch Parallel."""

from __future__ import annotations

from typing import Any

from orchestrator.compiler.build import INTERNAL, LIMIT
from orchestrator.compiler.cost import Cost, Estimator
from orchestrator.compiler.emitter import Emitter, Scope, expr
from orchestrator.compiler.kinds.base import Checks, Expression, NodeKind
from orchestrator.compiler.kinds.body import body_state
from orchestrator.flowlang.expressions import var_name
from orchestrator.flowlang.model import Node

__all__ = ["While"]


def _loop_states(b: Emitter, node_id: str, node: Node, scope: Scope, states: dict[str, Any]) -> str:
    spec = node.while_
    assert spec is not None
    var = scope.var(node_id)
    iter_var = f"Iter_{var}"
    extra = {"iteration": f"${iter_var}"}
    condition = b.condition(spec.condition, scope, extra)
    cond_body = condition[3:-3]
    init = b.name(f"{scope.prefix}{node_id}/start", scope.path + node_id, INTERNAL)
    check = b.name(f"{scope.prefix}{node_id}/check", scope.path + node_id, INTERNAL)
    limit = b.name(f"{scope.prefix}{node_id}/limit", scope.path + node_id, LIMIT)
    done = b.name(f"{scope.prefix}{node_id}/done", scope.path + node_id, INTERNAL)
    body = body_state(
        b, node_id, spec.do, scope, states, "do", extra,
        {var: "RESULT", iter_var: expr(f"${iter_var} + 1")}, check, f"${iter_var}",
        default_input=b.default_input(node_id, node, scope),  # no $item in a while
    )
    states[init] = {"Type": "Pass", "Assign": {var: None, iter_var: 0}, "Next": check}
    states[check] = {
        "Type": "Choice",
        "Choices": [
            {"Condition": expr(f"${iter_var} >= {spec.max_iterations} and ({cond_body})"), "Next": limit},
            {"Condition": condition, "Next": body},
        ],
        "Default": done,
    }
    states[limit] = {
        "Type": "Fail",
        "Error": "Flow.LoopLimitExceeded",
        "Cause": f"while node '{scope.path}{node_id}' was still looping after {spec.max_iterations} iterations",
    }
    states[done] = {"Type": "Pass", "Output": expr(f"${var}"), "End": True}
    return init


class While(NodeKind):
    name = "while"
    mermaid_shape = ("[[", "]]")
    dot_shape = "box3d"

    def emit(self, b: Emitter, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str,
             out: dict[str, Any] | None) -> str:
        name = b.own_name(node_id, scope)
        branch: dict[str, Any] = {}
        entry = _loop_states(b, node_id, node, scope, branch)
        return b.wrapped(name, node_id, node, scope, states, nxt, entry, branch)

    def cost(self, est: Estimator, node: Node) -> Cost:
        assert node.while_ is not None
        per_iteration = est.body(node.while_.do) + Cost(1)
        return per_iteration.times(node.while_.max_iterations) + Cost(4)

    def label(self, node: Node) -> str:
        return f"while ≤{node.while_.max_iterations}" if node.while_ else ""

    def check(self, c: Checks, base: list[Any], node_id: str, node: Node) -> None:
        assert node.while_ is not None
        c.check_body([*base, "while", "do"], node.while_.do)

    def expressions(self, node_id: str, node: Node, handler_vars: set[str]) -> list[Expression]:
        """The loop's expressions may read the node's own output and ``$iteration``."""
        assert node.while_ is not None
        me = {var_name(node_id), "iteration"}
        return [(["while", "condition"], node.while_.condition, me, True),
                (["while", "do", "with"], node.while_.do.with_, me, False),
                (["while", "do", "set"], node.while_.do.set, me, False)]


KIND = While()
