"""The node kinds: one module per kind, registered here by the kind's name.

Each module defines a :class:`~orchestrator.compiler.kinds.base.NodeKind` (its ASL, cost, graph
label and shape, validation and expressions) and exports it as ``KIND``. To add a node kind: add
its field to :class:`orchestrator.flowlang.model.Node` (and to ``NODE_KINDS``), write its module
here, and list it in :data:`KINDS`.
"""

from __future__ import annotations

from orchestrator.compiler.kinds import (
    fail,
    foreach,
    set_,
    succeed,
    switch,
    uses,
    wait,
    wait_for,
    while_,
)
from orchestrator.compiler.kinds import flow as subflow
from orchestrator.compiler.kinds.base import NodeKind
from orchestrator.flowlang.model import Node

__all__ = ["KINDS", "NO_KIND", "NodeKind", "kind_of"]

KINDS: dict[str, NodeKind] = {
    module.KIND.name: module.KIND
    for module in (uses, switch, foreach, while_, subflow, wait, wait_for, set_, fail, succeed)
}
"""Node kind name → what it means to the compiler, the report, the graph and the validator."""

NO_KIND = NodeKind()
"""Stands in for a node without a kind (validation reports it; nothing is emitted)."""


def kind_of(node: Node) -> NodeKind:
    """The kind of ``node`` (the first kind field set; :data:`NO_KIND` when none is)."""
    return KINDS.get(node.kind, NO_KIND)
