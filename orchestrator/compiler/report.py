"""What a compiled flow will cost and where it may hit Step Functions limits.

Figures are estimates from the flow's structure (:mod:`orchestrator.compiler.cost`, each node
kind's share from its module), with stated assumptions: ``items`` elements per
``foreach`` (default 100), every ``while`` running to ``max_iterations``, every retry used, and
100 ms per Lambda call for the Express duration charge. Prices are us-east-1 list prices
(Standard: $0.025 per 1,000 state transitions; Express: $1.00 per million requests plus
$0.00001667 per GB-second at the 64 MB minimum). Lambda's own charges are not included.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from orchestrator.compiler.cost import LAMBDA_SECONDS, Cost, Estimator
from orchestrator.compiler.kinds import KINDS
from orchestrator.flowlang.fanout import results_mode
from orchestrator.flowlang.graph import flow_graph
from orchestrator.flowlang.model import Flow

__all__ = ["DEFINITION_SIZE_LIMIT", "HISTORY_EVENT_LIMIT", "FlowReport", "estimate", "offloaded_reads"]

_READ_INTO = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\s*[.\[]")

HISTORY_EVENT_LIMIT = 25_000
DEFINITION_SIZE_LIMIT = 1024 * 1024
"""Step Functions' maximum size of a state machine definition (1 MB, in UTF-8 bytes)."""
STANDARD_PER_TRANSITION = 0.025 / 1000
EXPRESS_PER_REQUEST = 1.00 / 1_000_000
EXPRESS_PER_GB_SECOND = 0.00001667
EXPRESS_MIN_GB = 64 / 1024
EXPRESS_MAX_SECONDS = 300


@dataclass
class FlowReport:
    """Per-flow figures printed by ``flowctl compile --report``."""

    flow: str
    type: str
    type_reasons: list[str]
    states: int
    transitions: int
    history_events: int
    seconds: float
    payload_risks: list[str] = field(default_factory=list)
    added_edges: list[tuple[str, str]] = field(default_factory=list)
    items_assumed: int = 100
    definition_bytes: int = 0
    foreach_results: dict[str, str] = field(default_factory=dict)
    """Per foreach node: whether and how its results are aggregated, and why."""

    @property
    def history_over_limit(self) -> bool:
        return self.history_events > HISTORY_EVENT_LIMIT

    @property
    def definition_over_limit(self) -> bool:
        return self.definition_bytes > DEFINITION_SIZE_LIMIT

    @property
    def warnings(self) -> list[str]:
        """What would make deploying or running the flow fail on AWS."""
        found = []
        if self.definition_over_limit:
            found.append(
                f"the definition is {self.definition_bytes:,} bytes, over Step Functions' 1 MB limit "
                f"({DEFINITION_SIZE_LIMIT:,} bytes): CreateStateMachine will reject it; move parts into "
                "sub-flows run as nested executions ('flow' nodes with mode 'nested')"
            )
        if self.history_over_limit:
            found.append(
                f"a run may write {self.history_events:,} history events, over the 25,000 a Standard "
                "execution may have: it would fail; use a distributed foreach (mode 'distributed') or nested sub-flows"
            )
        return found

    @property
    def standard_cost_per_million(self) -> float:
        return self.transitions * STANDARD_PER_TRANSITION * 1_000_000

    @property
    def express_cost_per_million(self) -> float:
        duration = max(self.seconds, 0.1)
        return (EXPRESS_PER_REQUEST + duration * EXPRESS_MIN_GB * EXPRESS_PER_GB_SECOND) * 1_000_000

    def as_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "type": self.type,
            "type_reasons": self.type_reasons,
            "states": self.states,
            "worst_case_transitions": self.transitions,
            "history_events": self.history_events,
            "history_over_limit": self.history_over_limit,
            "estimated_seconds": round(self.seconds, 3),
            "payload_risks": self.payload_risks,
            "definition_bytes": self.definition_bytes,
            "definition_over_limit": self.definition_over_limit,
            "warnings": self.warnings,
            "added_sync_edges": [list(e) for e in self.added_edges],
            "foreach_results": self.foreach_results,
            "cost_per_million_runs_usd": {
                "standard": round(self.standard_cost_per_million, 2),
                "express": round(self.express_cost_per_million, 2),
            },
            "assumptions": f"{self.items_assumed} items per foreach, loops at max_iterations, every retry used, "
            f"{LAMBDA_SECONDS * 1000:.0f} ms per Lambda call; Lambda charges excluded",
        }


def count_states(definition: dict[str, Any]) -> int:
    """States in a definition, nested branches and item processors included."""
    total = 0
    for state in definition.get("States", {}).values():
        total += 1
        for branch in state.get("Branches", []):
            total += count_states(branch)
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                total += count_states(state[key])
    return total


def foreach_results(flow: Flow) -> dict[str, str]:
    """For each foreach node: where its results go (aggregated or inline) and why."""
    found: dict[str, str] = {}
    for node_id, node in flow.nodes.items():
        if node.foreach is None:
            continue
        mode, reason = results_mode(node)
        source = f"items read from {node.foreach.items_from} (ItemReader)" if node.foreach.items_from else "items from the payload"
        if mode == "aggregate":
            found[node_id] = (
                f"aggregated: one run-store item per item (SK=AGG#{node_id}#<index>), output is a reference "
                f"that function nodes receive as the full list — because {reason}; {source}"
            )
        else:
            found[node_id] = f"inline: one array in the state payload — {reason}; {source}"
    return found


def estimate(flow: Flow, definition: dict[str, Any], load_flow: Any, items: int = 100) -> tuple[Cost, int, list[str]]:
    """(cost, state count, payload risks) of a compiled flow."""
    estimator = Estimator(load_flow, items, KINDS)
    cost = estimator.flow(flow)
    risks: list[str] = []
    graph = flow_graph(flow)
    for node_id, node in flow.nodes.items():
        preds = graph.preds.get(node_id, [])
        if node.foreach is not None and results_mode(node)[0] == "inline":
            risks.append(
                f"{node_id}: foreach collects every item's output into one array "
                f"(~{items} items, limit 256 KiB); keep per-item outputs small, or set results: aggregate"
            )
        if len(preds) >= 3 and node.aggregate is None and node.with_ is None:
            risks.append(f"{node_id}: fan-in of {len(preds)} outputs in one payload (limit 256 KiB); consider 'aggregate'")
    risks.extend(offloaded_reads(flow))
    return cost, count_states(definition), risks


def offloaded_reads(flow: Flow) -> list[str]:
    """Nodes whose expressions read into (``$fetch.rows``, ``$fetch[0]``) the output of a node
    that calls a function: over the offload threshold (~200 KiB) that output is a
    ``{"$ref": ...}`` and such a read returns nothing."""
    offloadable = {node_id.replace("-", "_"): node_id for node_id, node in flow.nodes.items() if node.uses}
    found: list[str] = []
    readers = [(node_id, node.model_dump(mode="json", by_alias=True, exclude_none=True))
               for node_id, node in flow.nodes.items()]
    readers.append(("output", flow.output))
    for reader, spec in readers:
        text = json.dumps(spec)
        for var in sorted(set(_READ_INTO.findall(text))):
            source = offloadable.get(var)
            if source is None or source == reader:
                continue
            found.append(
                f"{reader}: reads into ${var} ({source}'s output); over 200 KiB that output is offloaded as "
                f'{{"$ref": ...}} and the read returns nothing: pass ${var} whole to a node, or keep it small'
            )
    return found
