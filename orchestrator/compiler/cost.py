"""Cost of a flow's run in state transitions, Lambda calls and seconds, estimated from its structure.

:class:`Estimator` walks a flow's series-parallel tree and asks each node's kind
(:meth:`orchestrator.compiler.kinds.NodeKind.cost`) for the node's share. Assumptions: ``items``
elements per ``foreach``, every ``while`` running to ``max_iterations``, every retry used, and
:data:`LAMBDA_SECONDS` per Lambda call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.compiler.sp import Parallel, Series, Tree, decompose
from orchestrator.flowlang.graph import flow_graph
from orchestrator.flowlang.model import Body, Flow, Node

__all__ = ["LAMBDA_SECONDS", "Cost", "Estimator"]

LAMBDA_SECONDS = 0.1


@dataclass
class Cost:
    transitions: int = 0
    tasks: int = 0
    seconds: float = 0.0  # along the critical path
    unknown_wait: bool = False

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.transitions + other.transitions,
            self.tasks + other.tasks,
            self.seconds + other.seconds,
            self.unknown_wait or other.unknown_wait,
        )

    def times(self, n: int) -> Cost:
        return Cost(self.transitions * n, self.tasks * n, self.seconds * n, self.unknown_wait)


class Estimator:
    """Worst-case cost of flows; ``kinds`` maps a node kind to what knows its cost."""

    def __init__(self, load_flow: Any, items: int, kinds: Mapping[str, Any]) -> None:
        self.load_flow = load_flow
        self.items = items
        self.kinds = kinds

    def retries(self, node_retry: Any) -> int:
        return max(node_retry.max_attempts - 1, 0) if node_retry is not None else 0

    def backoff(self, node_retry: Any) -> float:
        """Seconds spent waiting between attempts when every retry is used (no jitter): a run
        retried after an hour takes over an hour, so it cannot be an Express run."""
        total = 0.0
        for k in range(self.retries(node_retry)):
            delay = float(node_retry.interval) * float(node_retry.backoff) ** k
            if node_retry.max_delay is not None:
                delay = min(delay, float(node_retry.max_delay))
            total += delay
        return total

    def calls(self, retry: Any) -> Cost:
        """A Lambda call with every retry used."""
        attempts = 1 + self.retries(retry)
        return Cost(attempts, attempts, LAMBDA_SECONDS * attempts + self.backoff(retry))

    def body(self, body: Body) -> Cost:
        if body.uses is not None:
            return self.calls(body.retry)
        if body.flow is not None:
            name = body.flow if isinstance(body.flow, str) else body.flow.name
            return self.flow(self.load_flow(name)) + Cost(3)
        return Cost(1)

    def node(self, node: Node) -> Cost:
        kind = self.kinds.get(node.kind)
        return kind.cost(self, node) if kind is not None else Cost(1)

    def tree(self, flow: Flow, tree: Tree | None) -> Cost:
        if tree is None:
            return Cost()
        if isinstance(tree, str):
            return self.node(flow.nodes[tree])
        if isinstance(tree, Series):
            total = Cost()
            for part in tree.parts:
                total = total + self.tree(flow, part)
            return total
        assert isinstance(tree, Parallel)
        costs = [self.tree(flow, b) for b in tree.branches]
        return Cost(
            1 + len(costs) + sum(c.transitions for c in costs),
            sum(c.tasks for c in costs),
            max(c.seconds for c in costs),
            any(c.unknown_wait for c in costs),
        )

    def flow(self, flow: Flow) -> Cost:
        graph = flow_graph(flow)
        return self.tree(flow, decompose(graph.nodes, graph.preds).tree) + Cost(2)
