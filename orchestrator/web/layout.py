"""A flow's graph as boxes and edges for the browser: layers left to right, in topological order.

:func:`flow_layout` places each node in the column after its deepest predecessor (catch handlers
after the node they handle), rows in first-seen order. Edges are ``after`` (and switch) links and
``catch`` links. The page draws it as SVG; the same layout serves the dashboard, the run page
and the builder.
"""

from __future__ import annotations

from typing import Any

from orchestrator.flowlang.graph import flow_graph
from orchestrator.flowlang.model import Body, Flow, Node

__all__ = ["COLUMN", "ROW", "flow_layout", "node_summary"]

COLUMN, ROW = 190, 84


def node_summary(node: Node) -> str:
    """One line saying what a node does: ``uses detect_face``, ``switch``, ``foreach process_item``."""
    kind = node.kind or "empty"
    if node.uses:
        return f"uses {node.uses}"
    if node.foreach is not None:
        return f"foreach {_body(node.foreach.do)}"
    if node.while_ is not None:
        return f"while {_body(node.while_.do)}"
    if node.wait_for is not None:
        return f"wait_for {node.wait_for.event}"
    if node.flow is not None:
        name = node.flow if isinstance(node.flow, str) else node.flow.name
        return f"flow {name}"
    return kind


def _body(body: Body) -> str:
    if body.uses:
        return body.uses
    if body.flow is not None:
        return f"flow {body.flow if isinstance(body.flow, str) else body.flow.name}"
    return "set"


def flow_layout(flow: Flow) -> dict[str, Any]:
    """``{"nodes": [{id, kind, summary, uses, x, y}], "edges": [{from, to, kind}], "width", "height"}``."""
    graph = flow_graph(flow)
    handled = {c.then: node_id for node_id, node in flow.nodes.items() for c in node.catch}
    column: dict[str, int] = {}
    order = graph.order if not graph.cycle else list(flow.nodes)
    pending = [n for n in flow.nodes if n not in order] + list(order)
    for _ in range(2):  # handlers placed after their source, which may come later in the order
        for node_id in pending:
            preds = [p for p in graph.preds.get(node_id, []) if p in column]
            source = handled.get(node_id)
            if source is not None and source in column:
                preds.append(source)
            column[node_id] = 1 + max((column[p] for p in preds), default=-1)
    rows: dict[int, int] = {}
    nodes = []
    for node_id in flow.nodes:
        col = column.get(node_id, 0)
        row = rows.get(col, 0)
        rows[col] = row + 1
        node = flow.nodes[node_id]
        nodes.append({
            "id": node_id,
            "kind": node.kind or "empty",
            "summary": node_summary(node),
            "uses": node.uses,
            "x": 20 + col * COLUMN,
            "y": 20 + row * ROW,
        })
    edges = [{"from": p, "to": n, "kind": "after"} for n in flow.nodes for p in graph.preds.get(n, []) if p in flow.nodes]
    edges += [{"from": n, "to": c.then, "kind": "catch"} for n, node in flow.nodes.items() for c in node.catch if c.then in flow.nodes]
    width = 20 + (max(column.values(), default=0) + 1) * COLUMN
    height = 20 + max(rows.values(), default=1) * ROW
    return {"nodes": nodes, "edges": edges, "width": width, "height": height}
