"""Draw a flow as Mermaid or Graphviz DOT: nodes shaped and labelled by their kind's module
(:mod:`orchestrator.compiler.kinds`), switch edges labelled with their condition, catch edges
dashed, sync edges the compiler had to add dotted.

Pure functions of the flow: the same flow gives the same text.
"""

from __future__ import annotations

import json

from orchestrator.compiler.kinds import kind_of
from orchestrator.flowlang.expressions import expression_body
from orchestrator.flowlang.graph import flow_graph, switch_targets
from orchestrator.flowlang.model import Flow, Node

__all__ = ["to_dot", "to_mermaid"]


def _label(node_id: str, node: Node) -> str:
    detail = kind_of(node).label(node)
    return f"{node_id}<br/><small>{detail}</small>" if detail else node_id


def _short(text: str, limit: int = 40) -> str:
    body = expression_body(text, bare=True) or text
    body = " ".join(body.split())
    return body if len(body) <= limit else body[: limit - 1] + "…"


def _mermaid_id(node_id: str) -> str:
    return "n_" + node_id.replace("-", "_")


def to_mermaid(flow: Flow, added_edges: list[tuple[str, str]] | None = None) -> str:
    """Mermaid ``flowchart TD`` text of the flow."""
    graph = flow_graph(flow)
    lines = ["flowchart TD"]
    for node_id, node in flow.nodes.items():
        left, right = kind_of(node).mermaid_shape
        label = _label(node_id, node).replace('"', "'")
        lines.append(f'    {_mermaid_id(node_id)}{left}"{label}"{right}')
    for node_id in graph.order or graph.nodes:
        node = flow.nodes[node_id]
        labels: dict[str, str] = {}
        if node.switch is not None:
            for case in node.switch:
                for target in [case.then] if isinstance(case.then, str) else case.then:
                    labels.setdefault(target, _short(case.when))
            for target in switch_targets(node):
                labels.setdefault(target, "default")
        for succ in graph.succs[node_id]:
            if succ in labels:
                text = labels[succ].replace('"', "'").replace("|", "/")
                lines.append(f'    {_mermaid_id(node_id)} -->|"{text}"| {_mermaid_id(succ)}')
            else:
                lines.append(f"    {_mermaid_id(node_id)} --> {_mermaid_id(succ)}")
        for catch in node.catch:
            lines.append(f'    {_mermaid_id(node_id)} -.->|"{", ".join(catch.errors)}"| {_mermaid_id(catch.then)}')
    for src, dst in added_edges or []:
        lines.append(f'    {_mermaid_id(src)} -.-|"sync"| {_mermaid_id(dst)}')
    return "\n".join(lines) + "\n"


def to_dot(flow: Flow, added_edges: list[tuple[str, str]] | None = None) -> str:
    """Graphviz DOT text of the flow."""
    graph = flow_graph(flow)
    lines = [f"digraph {json.dumps(flow.name)} {{", "  rankdir=TB;", '  node [shape=box, fontname="Helvetica"];']
    for node_id, node in flow.nodes.items():
        # a real newline: json.dumps writes it as the two characters \n, DOT's line break
        label = _label(node_id, node).replace("<br/><small>", "\n").replace("</small>", "")
        lines.append(f"  {json.dumps(node_id)} [label={json.dumps(label)}, shape={kind_of(node).dot_shape}];")
    for node_id in graph.order or graph.nodes:
        node = flow.nodes[node_id]
        conditions: dict[str, str] = {}
        for case in node.switch or []:
            for target in [case.then] if isinstance(case.then, str) else case.then:
                conditions.setdefault(target, _short(case.when))
        if node.switch is not None:
            for target in switch_targets(node):
                conditions.setdefault(target, "default")
        for succ in graph.succs[node_id]:
            attrs = f" [label={json.dumps(conditions[succ])}]" if succ in conditions else ""
            lines.append(f"  {json.dumps(node_id)} -> {json.dumps(succ)}{attrs};")
        for catch in node.catch:
            lines.append(f"  {json.dumps(node_id)} -> {json.dumps(catch.then)} [style=dashed, label={json.dumps(', '.join(catch.errors))}];")
    for src, dst in added_edges or []:
        lines.append(f"  {json.dumps(src)} -> {json.dumps(dst)} [style=dotted, label=\"sync\"];")
    lines.append("}")
    return "\n".join(lines) + "\n"
