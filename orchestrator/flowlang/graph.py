"""The DAG of a flow: edges from ``after`` and from ``switch`` targets; catch handlers apart.

Contract: :func:`flow_graph` never raises on bad references; :mod:`orchestrator.compiler.validate`
reports them. ``order`` is a topological order that keeps declaration order among peers, so
everything derived from it is deterministic.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestrator.flowlang.model import Flow, Node

__all__ = ["FlowGraph", "flow_graph", "shared_graphs", "switch_targets"]


def switch_targets(node: Node) -> list[str]:
    """Every node id a switch can route to, in declaration order, without repeats."""
    found: list[str] = []
    for case in node.switch or []:
        for target in [case.then] if isinstance(case.then, str) else case.then:
            if target not in found:
                found.append(target)
    if node.default is not None:
        for target in [node.default] if isinstance(node.default, str) else node.default:
            if target not in found:
                found.append(target)
    return found


@dataclass
class FlowGraph:
    """Predecessors/successors of the DAG nodes, the handler nodes, and a topological order."""

    nodes: list[str]
    handlers: list[str]
    preds: dict[str, list[str]] = field(default_factory=dict)
    succs: dict[str, list[str]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    cycle: list[str] | None = None

    def ancestors(self, node: str) -> set[str]:
        """Every node that finishes before ``node`` starts."""
        seen: set[str] = set()
        stack = list(self.preds.get(node, []))
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.preds.get(current, []))
        return seen

    def precedes(self, before: str, node: str) -> bool:
        """Whether ``before`` finishes before ``node`` starts (is one of its ancestors): a
        backward search from ``node`` that skips whatever comes after ``before`` in ``order``.
        Needs an acyclic graph."""
        position = self._positions()
        limit = position.get(before)
        if limit is None or node not in position:
            return False
        seen: set[str] = set()
        stack = list(self.preds.get(node, []))
        while stack:
            current = stack.pop()
            if current == before:
                return True
            if current not in seen and position.get(current, -1) > limit:
                seen.add(current)
                stack.extend(self.preds.get(current, []))
        return False

    def _positions(self) -> dict[str, int]:
        cached: dict[str, int] | None = self.__dict__.get("_position")
        if cached is None or len(cached) != len(self.order):
            cached = {n: i for i, n in enumerate(self.order)}
            self.__dict__["_position"] = cached
        return cached

    def roots(self) -> list[str]:
        return [n for n in self.nodes if not self.preds[n]]

    def sinks(self) -> list[str]:
        return [n for n in self.nodes if not self.succs[n]]


_shared: ContextVar[dict[int, tuple[Flow, FlowGraph]] | None] = ContextVar("flowctl_shared_graphs", default=None)


@contextmanager
def shared_graphs() -> Iterator[None]:
    """Within it, :func:`flow_graph` of one flow object builds its graph once: the compiler
    checks a flow, builds its ASL and estimates its cost in one such scope (they built the same
    graph four times over: a fifth of a 5,000-node compile, issue 14). The flows must not
    change within the scope; treat the graphs as read-only."""
    if _shared.get() is not None:
        yield
        return
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def flow_graph(flow: Flow) -> FlowGraph:
    """The DAG of ``flow`` (unknown references are ignored here); built once per flow object
    within :func:`shared_graphs`."""
    shared = _shared.get()
    if shared is None:
        return _build(flow)
    found = shared.get(id(flow))
    if found is not None and found[0] is flow:
        return found[1]
    graph = _build(flow)
    shared[id(flow)] = (flow, graph)  # (the flow is held: its id is not reused meanwhile)
    return graph


def _build(flow: Flow) -> FlowGraph:
    handlers = sorted({c.then for node in flow.nodes.values() for c in node.catch if c.then in flow.nodes})
    handlers = [h for h in flow.nodes if h in handlers]
    members = [n for n in flow.nodes if n not in handlers]
    member_set = set(members)
    preds: dict[str, list[str]] = {n: [] for n in members}
    succs: dict[str, list[str]] = {n: [] for n in members}

    def link(src: str, dst: str) -> None:
        if src in member_set and dst in member_set and src not in preds[dst] and src != dst:
            preds[dst].append(src)
            succs[src].append(dst)

    for node_id in members:
        node = flow.nodes[node_id]
        for pred in node.after:
            link(pred, node_id)
        if node.switch is not None:
            for target in switch_targets(node):
                link(node_id, target)
    graph = FlowGraph(members, handlers, preds, succs)
    position = {n: i for i, n in enumerate(members)}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for node_id in members:
        sorter.add(node_id, *preds[node_id])
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = list(exc.args[1])
        graph.cycle = list(reversed(cycle))
        return graph
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=position.__getitem__)
        order.extend(ready)
        sorter.done(*ready)
    graph.order = order
    return graph
