"""``switch``: conditional branches. A Choice whose branches record the taken targets (a Pass per
case); the nodes of untaken branches are skipped (their variable is null)."""

from __future__ import annotations

from typing import Any

from orchestrator.compiler.build import INTERNAL
from orchestrator.compiler.cost import Cost, Estimator
from orchestrator.compiler.emitter import Emitter, Scope
from orchestrator.compiler.kinds.base import Checks, Expression, NodeKind
from orchestrator.flowlang.expressions import expression_body
from orchestrator.flowlang.model import Node

__all__ = ["Switch"]


class Switch(NodeKind):
    name = "switch"
    mermaid_shape = ("{", "}")
    dot_shape = "diamond"

    def emit(self, b: Emitter, node_id: str, node: Node, scope: Scope, states: dict[str, Any], nxt: str,
             out: dict[str, Any] | None) -> str:
        name = b.own_name(node_id, scope)
        var, path = scope.var(node_id), scope.path + node_id
        choices = []
        for i, case in enumerate(node.switch or []):
            targets = [case.then] if isinstance(case.then, str) else list(case.then)
            taken = b.name(f"{scope.prefix}{node_id} → {', '.join(targets)}", path, INTERNAL)
            decision = {"case": i, "targets": targets}
            states[taken] = {"Type": "Pass", "Assign": {var: decision}, "Output": decision, "Next": nxt}
            choices.append({"Condition": b.condition(case.when, scope), "Next": taken})
        defaults = [] if node.default is None else [node.default] if isinstance(node.default, str) else list(node.default)
        default_name = b.name(f"{scope.prefix}{node_id} → {', '.join(defaults) or 'no branch'}", path, INTERNAL)
        decision = {"case": "default" if defaults else None, "targets": defaults}
        states[default_name] = {"Type": "Pass", "Assign": {var: decision}, "Output": decision, "Next": nxt}
        states[name] = {"Type": "Choice", "Choices": choices, "Default": default_name}
        return name

    def cost(self, est: Estimator, node: Node) -> Cost:
        return Cost(2)

    def check(self, c: Checks, base: list[Any], node_id: str, node: Node) -> None:
        assert node.switch is not None
        if not node.switch:
            c.add([*base, "switch"], "a switch needs at least one case")
        for i, case in enumerate(node.switch):
            targets = [case.then] if isinstance(case.then, str) else case.then
            for target in targets:
                c.ref([*base, "switch", i, "then"], target, "then:")
            if expression_body(case.when, bare=True) is None:
                c.add([*base, "switch", i, "when"], "a condition must be a JSONata expression")
        defaults = [node.default] if isinstance(node.default, str) else node.default or []
        for target in defaults:
            c.ref([*base, "default"], target, "default:")

    def expressions(self, node_id: str, node: Node, handler_vars: set[str]) -> list[Expression]:
        return [(["switch", i, "when"], case.when, set(), True) for i, case in enumerate(node.switch or [])]


KIND = Switch()
