"""Draw a flow as Mermaid or Graphviz DOT: nodes shaped by kind, switch edges labelled with
their condition, catch edges dashed, sync edges the compiler had to add dotted.

Pure functions of the flow: the same flow gives the same text.
"""

from __future__ import annotations

import json

from orchestrator.flowlang.expressions import expression_body
from orchestrator.flowlang.graph import flow_graph, switch_targets
from orchestrator.flowlang.model import Flow, Node

__all__ = ["to_dot", "to_mermaid"]


def _label(node_id: str, node: Node) -> str:
    kind = node.kind
    detail = {
        "uses": lambda: f"λ {node.uses}",
        "foreach": lambda: f"foreach → {node.foreach.do.uses or node.foreach.do.flow or 'set'}" if node.foreach else "",
        "while": lambda: f"while ≤{node.while_.max_iterations}" if node.while_ else "",
        "flow": lambda: f"sub-flow {node.flow if isinstance(node.flow, str) else node.flow.name if node.flow else ''}",
        "wait": lambda: f"wait {node.wait.seconds if node.wait and node.wait.seconds is not None else 'until'}",
        "wait_for": lambda: f"wait for {node.wait_for.event}" if node.wait_for else "",
        "set": lambda: "set",
        "fail": lambda: f"fail {node.fail.error}" if node.fail else "fail",
        "succeed": lambda: "succeed",
        "switch": lambda: "switch",
    }.get(kind, lambda: kind)()
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
    shapes = {
        "switch": ("{", "}"),
        "foreach": ("[[", "]]"),
        "while": ("[[", "]]"),
        "flow": ("[[", "]]"),
        "wait": ("([", "])"),
        "wait_for": ("([", "])"),
        "fail": ("((", "))"),
        "succeed": ("((", "))"),
        "set": ("[/", "/]"),
    }
    for node_id, node in flow.nodes.items():
        left, right = shapes.get(node.kind, ("[", "]"))
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
    shapes = {"switch": "diamond", "foreach": "box3d", "while": "box3d", "flow": "component",
              "wait": "oval", "wait_for": "oval", "fail": "doublecircle", "succeed": "doublecircle", "set": "parallelogram"}
    lines = [f"digraph {json.dumps(flow.name)} {{", "  rankdir=TB;", '  node [shape=box, fontname="Helvetica"];']
    for node_id, node in flow.nodes.items():
        # a real newline: json.dumps writes it as the two characters \n, DOT's line break
        label = _label(node_id, node).replace("<br/><small>", "\n").replace("</small>", "")
        lines.append(f"  {json.dumps(node_id)} [label={json.dumps(label)}, shape={shapes.get(node.kind, 'box')}];")
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
