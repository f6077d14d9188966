"""What a compiled flow will cost and where it may hit Step Functions limits.

Figures are estimates from the flow's structure, with stated assumptions: ``items`` elements per
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

from orchestrator.compiler.sp import Parallel, Series, Tree
from orchestrator.flowlang.fanout import results_mode
from orchestrator.flowlang.graph import flow_graph
from orchestrator.flowlang.model import Body, Flow, Node

__all__ = ["DEFINITION_SIZE_LIMIT", "HISTORY_EVENT_LIMIT", "FlowReport", "estimate", "offloaded_reads"]

_READ_INTO = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\s*[.\[]")

HISTORY_EVENT_LIMIT = 25_000
DEFINITION_SIZE_LIMIT = 1024 * 1024
"""Step Functions' maximum size of a state machine definition (1 MB, in UTF-8 bytes)."""
STANDARD_PER_TRANSITION = 0.025 / 1000
EXPRESS_PER_REQUEST = 1.00 / 1_000_000
EXPRESS_PER_GB_SECOND = 0.00001667
EXPRESS_MIN_GB = 64 / 1024
LAMBDA_SECONDS = 0.1
EXPRESS_MAX_SECONDS = 300


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


class _Estimator:
    def __init__(self, load_flow: Any, items: int) -> None:
        self.load_flow = load_flow
        self.items = items

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

    def body(self, body: Body) -> Cost:
        attempts = 1 + self.retries(body.retry)
        if body.uses is not None:
            return Cost(attempts, attempts, LAMBDA_SECONDS * attempts + self.backoff(body.retry))
        if body.flow is not None:
            name = body.flow if isinstance(body.flow, str) else body.flow.name
            return self.flow(self.load_flow(name)) + Cost(3)
        return Cost(1)

    def node(self, node: Node) -> Cost:
        kind = node.kind
        attempts = 1 + self.retries(node.retry)
        if kind == "uses":
            return Cost(attempts, attempts, LAMBDA_SECONDS * attempts + self.backoff(node.retry))
        if kind == "wait_for":
            return Cost(1, 1, node.wait_for.timeout if node.wait_for else 0)
        if kind == "wait":
            assert node.wait is not None
            seconds = node.wait.seconds
            if isinstance(seconds, int):
                return Cost(1, 0, float(seconds))
            return Cost(1, 0, 0.0, unknown_wait=True)
        if kind == "switch":
            return Cost(2)
        if kind == "foreach":
            assert node.foreach is not None
            per_item = self.body(node.foreach.do) + Cost(1)
            batches = self.items if not node.foreach.batch_size else -(-self.items // node.foreach.batch_size)
            total = per_item.times(batches)
            # Concurrent items: duration is one item's unless concurrency limits it.
            waves = 1 if not node.foreach.concurrency else -(-batches // node.foreach.concurrency)
            return Cost(1 + total.transitions, total.tasks, per_item.seconds * waves, per_item.unknown_wait)
        if kind == "while":
            assert node.while_ is not None
            per_iteration = self.body(node.while_.do) + Cost(1)
            return per_iteration.times(node.while_.max_iterations) + Cost(4)
        if kind == "flow":
            name = node.flow if isinstance(node.flow, str) else node.flow.name if node.flow else ""
            return self.flow(self.load_flow(name)).times(attempts) + Cost(3)
        return Cost(1)

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
        from orchestrator.compiler.sp import decompose

        graph = flow_graph(flow)
        return self.tree(flow, decompose(graph.nodes, graph.preds).tree) + Cost(2)


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
    estimator = _Estimator(load_flow, items)
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
