"""How a ``foreach`` fans out: inline or distributed, and where its results go.

Contract (shared by the validator, the compiler and the compile report):

- :func:`is_distributed` — a foreach runs as a Distributed Map when its ``mode`` says so, or in
  ``auto`` mode when it needs more than 40 items in flight, tolerates failures, batches items or
  reads its items from a file (ItemReader is a Distributed Map feature).
- :func:`results_mode` — ``"aggregate"`` or ``"inline"`` with the reason. Aggregated results are
  written by ``@node`` as one run-store item per item (``PK=RUN#<run>``, ``SK=AGG#<node>#<index>``)
  and the node's output is ``{"$ref": "agg://<run>/<node>"}``, which ``@node`` resolves to the full
  list, in the items' order, for the function that receives it. Only a function body (``uses``)
  can be aggregated: nothing else runs ``@node``.

Example::

    >>> results_mode(Node.model_validate({"foreach": {"items_from": "data/rows.csv", "do": {"uses": "f"}}}))
    ('aggregate', 'items are read from a file (count unbounded)')
"""

from __future__ import annotations

from typing import Literal

from orchestrator.flowlang.expressions import iter_expressions, referenced_variables, var_name
from orchestrator.flowlang.graph import flow_graph
from orchestrator.flowlang.model import Flow, ForeachSpec, Node

__all__ = ["READER_FORMATS", "aggregate_readers", "aggregated_nodes", "is_distributed", "reader_format", "results_mode"]

INLINE_CONCURRENCY_LIMIT = 40
READER_FORMATS = {".csv": "CSV", ".json": "JSON", ".jsonl": "JSONL", ".ndjson": "JSONL"}
"""File suffix → Distributed Map ``ReaderConfig.InputType``."""


def is_distributed(spec: ForeachSpec) -> bool:
    """Whether the foreach compiles to a Distributed Map."""
    if spec.mode != "auto":
        return spec.mode == "distributed"
    return (
        spec.concurrency > INLINE_CONCURRENCY_LIMIT
        or spec.tolerated_failures is not None
        or spec.batch_size is not None
        or spec.items_from is not None
    )


def reader_format(location: str) -> str | None:
    """``CSV``/``JSON``/``JSONL`` from the suffix of ``location``, or None when unknown."""
    name = location.rsplit("/", 1)[-1].lower()
    for suffix, kind in READER_FORMATS.items():
        if name.endswith(suffix):
            return kind
    return None


def results_mode(node: Node) -> tuple[Literal["aggregate", "inline"], str]:
    """Where a foreach node's results go, and why."""
    spec = node.foreach
    assert spec is not None
    if spec.results == "inline":
        return "inline", "results: inline (the collected outputs must fit in 256 KiB)"
    if spec.do.uses is None:
        return "inline", "the body is not a function (only @node writes aggregation items)"
    if spec.results == "aggregate":
        return "aggregate", "results: aggregate"
    if spec.items_from is not None:
        return "aggregate", "items are read from a file (count unbounded)"
    if is_distributed(spec):
        return "aggregate", "distributed mode (thousands of items)"
    return "inline", "inline mode (the collected outputs must fit in 256 KiB; set results: aggregate if they may not)"


def aggregated_nodes(flow: Flow) -> set[str]:
    """Ids of the foreach nodes of ``flow`` whose results are aggregated."""
    return {
        node_id
        for node_id, node in flow.nodes.items()
        if node.foreach is not None and results_mode(node)[0] == "aggregate"
    }


def aggregate_readers(flow: Flow) -> set[str]:
    """Functions of ``flow`` that may receive an aggregate reference (and so read aggregation
    items): uses nodes whose ``with`` names an aggregated node, or whose default input (their
    predecessors' outputs) includes one; foreach bodies whose ``with`` names one."""
    aggregated = aggregated_nodes(flow)
    if not aggregated:
        return set()
    names = {var_name(n) for n in aggregated}
    preds = flow_graph(flow).preds
    found: set[str] = set()
    for node_id, node in flow.nodes.items():
        bodies = [(node.uses, node.with_)]
        if node.foreach is not None:
            bodies.append((node.foreach.do.uses, node.foreach.do.with_))
        for function, value in bodies:
            if function is None:
                continue
            if any(referenced_variables(body) & names for _, body in iter_expressions(value)):
                found.add(function)
        if node.uses is not None and node.with_ is None and set(preds.get(node_id, [])) & aggregated:
            found.add(node.uses)
    return found
