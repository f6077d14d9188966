"""Each node's status in a run, for the run page's graph and node panel.

The execution history (from the local engine behind ``flowctl serve``) is replayed through the
local runner's :class:`~orchestrator.local.recorder.StepRecorder`, with the state → node map the
compiler returned for the flow (the same step records a terminal run shows), one redrive round
after another. Without a history
(a run the engine does not know) the steps in the run store are used: they cover the ``uses``
nodes, recorded by ``@node``.

A node's status is its latest step's: ``RUNNING``, ``SUCCEEDED``, ``FAILED`` or ``SKIPPED``;
``PENDING`` when nothing ran yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from orchestrator.compiler.build import StateNode
from orchestrator.local.recorder import NodeEvent, StepRecorder
from orchestrator.store.models import Step

__all__ = ["history_steps", "node_statuses"]


class _Collect:
    """A run store that only keeps the steps it is given."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def record_step(self, step: Step) -> None:
        self.steps.append(step)


def _epoch(event: dict[str, Any]) -> dict[str, Any]:
    stamp = event.get("timestamp")
    if isinstance(stamp, datetime):
        return {**event, "timestamp": stamp.timestamp()}
    return event


def history_steps(events: list[dict[str, Any]], state_nodes: Mapping[str, StateNode]) -> tuple[list[Step], dict[str, str]]:
    """(steps, running) from an execution history of a flow compiled with the state → node map
    ``state_nodes``: every finished node execution as a step (with its redrive round) and the
    nodes running at the end, with what they wait for."""
    store = _Collect()
    running: dict[str, str] = {}

    def on_node(event: NodeEvent) -> None:
        top = event.node.split("/")[0]
        if event.status in ("RUNNING", "RETRY"):
            running[top] = event.detail or running.get(top, "")
        else:
            running.pop(top, None)

    recorder = StepRecorder("", store, on_node, state_nodes)
    for event in events:
        if event.get("type") == "ExecutionRedriven":
            recorder.redrive += 1
            running.clear()
            continue
        recorder(_epoch(event))
    return store.steps, running


def node_statuses(node_ids: list[str], steps: list[Step], running: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per node: ``status``, ``detail`` and its ``steps`` (items, attempts, redrive rounds)."""
    result: dict[str, dict[str, Any]] = {n: {"status": "PENDING", "detail": "", "steps": []} for n in node_ids}
    for step in steps:
        top = step.node.split("/")[0]
        entry = result.get(top)
        if entry is None:
            continue
        entry["steps"].append(step.to_dict())
        if step.node == top or step.status == "FAILED":
            entry["status"] = step.status
            if step.status == "FAILED":
                entry["detail"] = f"{step.error}: {step.cause}" if step.cause else str(step.error)
            elif step.node == top:
                entry["detail"] = ""
        elif entry["status"] == "PENDING":
            entry["status"] = "RUNNING"
    for node, detail in running.items():
        if node in result:
            result[node]["status"] = "RUNNING"
            result[node]["detail"] = detail
    return result
