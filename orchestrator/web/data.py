"""The data behind the pages: runs across flows, a run's graph with node statuses, schedules.

Reads only what the server hands over (``app.store``, ``app.flows``, ``app.bridge``,
``app.scheduler``, ``app.project``), never the server's internals beyond that.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from orchestrator.flowlang.model import Flow
from orchestrator.store.models import Run, progress_text
from orchestrator.web.layout import flow_layout
from orchestrator.web.status import history_steps, node_statuses

__all__ = ["TERMINAL", "duration", "flow_info", "list_runs", "progress_rows", "run_graph", "schedules"]

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING")
_SCAN = 500


def flows_of(app: Any) -> dict[str, Flow]:
    return dict(getattr(app, "flows", {}) or {})


def _parse(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    with contextlib.suppress(ValueError):
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return None


def duration(run: Run | dict[str, Any]) -> str:
    """``1.2 s``, ``3 min 4 s``, or ``running`` / ``""``."""
    started = _parse(run["started_at"] if isinstance(run, dict) else run.started_at)
    stopped = _parse(run["stopped_at"] if isinstance(run, dict) else run.stopped_at)
    if started is None:
        return ""
    seconds = ((stopped or datetime.now(UTC)) - started).total_seconds()
    text = f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {int(seconds % 60)} s"
    return text if stopped is not None else f"{text} (running)"


def list_runs(app: Any, flow: str | None = None, status: str | None = None, page: int = 1, size: int = 20) -> tuple[list[Run], bool]:
    """(runs of ``page``, whether there is a next page): newest first, across flows."""
    names = [flow] if flow else sorted(flows_of(app))
    found: list[Run] = []
    for name in names:
        token: str | None = None
        scanned = 0
        while scanned < _SCAN:
            result = app.store.list_runs(name, limit=100, next_token=token)
            found.extend(r for r in result.runs if not status or r.status == status)
            scanned += len(result.runs)
            token = result.next_token
            if not token:
                break
    found.sort(key=lambda r: r.started_at or "", reverse=True)
    start = (max(page, 1) - 1) * size
    shown = found[start:start + size]
    flows = flows_of(app)
    for run in shown:  # the page's runs only: one read per foreach node of the run's flow
        flow_ = flows.get(run.flow)
        foreach = [n for n, spec in flow_.nodes.items() if spec.foreach is not None] if flow_ is not None else []
        if foreach:
            run.progress = app.store.list_progress(run.run_id, foreach)
    return shown, len(found) > start + size


def progress_rows(progress: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """A run's foreach progress as the pages show it: per fan-out key (a node id, or a nested
    path), the counters and the text the CLI prints (``1,234/20,000``, ``, 3 failed``)."""
    rows = []
    for key, counters in sorted(progress.items()):
        succeeded, failed = counters.get("succeeded", 0), counters.get("failed", 0)
        rows.append({
            "key": key,
            "node": key.split("/", 1)[0].split("@", 1)[0],
            "succeeded": succeeded,
            "failed": failed,
            "total": max(counters.get("total", 0), succeeded + failed),
            "text": progress_text(counters),
        })
    return rows


def flow_info(app: Any, name: str) -> dict[str, Any] | None:
    flow = flows_of(app).get(name)
    if flow is None:
        return None
    return {
        "name": flow.name,
        "description": flow.description or "",
        "params": {k: p.model_dump(exclude_none=True) for k, p in flow.params.items()},
        "layout": flow_layout(flow),
        "schedules": schedules(app, flow.name),
    }


def schedules(app: Any, only: str | None = None) -> list[dict[str, Any]]:
    """Every schedule of the served flows with its next fire times (UTC)."""
    from orchestrator.serve.schedules import fire_times

    now = datetime.now(UTC)
    rows = []
    for name, flow in sorted(flows_of(app).items()):
        if only and name != only:
            continue
        for number, schedule in enumerate(flow.schedules):
            upcoming: list[str] = []
            with contextlib.suppress(Exception):
                for instant in fire_times(schedule, now, count=3):
                    upcoming.append(instant.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"))
            rows.append({
                "flow": name,
                "number": number,
                "expression": schedule.cron and f"cron({schedule.cron})" or f"rate({schedule.rate})",
                "timezone": schedule.timezone,
                "next": upcoming,
            })
    return rows


def _history(app: Any, run: Run) -> list[dict[str, Any]] | None:
    bridge = getattr(app, "bridge", None)
    if bridge is None or not run.execution_arn:
        return None
    events: list[dict[str, Any]] = []
    token: str | None = None
    try:
        while True:
            kwargs: dict[str, Any] = {"executionArn": run.execution_arn, "maxResults": 1000}
            if token:
                kwargs["nextToken"] = token
            page = bridge.get_execution_history(**kwargs)
            events.extend(page["events"])
            token = page.get("nextToken")
            if not token:
                return events
    except Exception:  # an execution the engine does not know (e.g. from an earlier server)
        return None


def run_graph(app: Any, run_id: str, logs: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any] | None:
    """The run, its flow's layout, every node's status, steps and log lines, and the progress
    of its foreach nodes (also under each node as ``progress``)."""
    run = app.store.get_run(run_id)
    if run is None:
        return None
    flow = flows_of(app).get(run.flow)
    layout: dict[str, Any] = flow_layout(flow) if flow is not None else {"nodes": [], "edges": [], "width": 0, "height": 0}
    node_ids = [n["id"] for n in layout["nodes"]]
    history = _history(app, run)
    if history is not None:
        compiled = getattr(app, "compiled", {}).get(run.flow)
        steps, running = history_steps(history, compiled.state_nodes if compiled is not None else {})
        recorded = {(s.node, s.index, s.redrive, s.attempt): s for s in run.steps}
        for step in steps:  # the step @node recorded holds the output as the function gave it
            mine = recorded.get((step.node, step.index, step.redrive, step.attempt))
            if mine is not None and mine.duration_ms is not None:
                step.duration_ms = mine.duration_ms
    else:
        steps, running = sorted(run.steps, key=lambda s: s.order), {}
        if run.status not in TERMINAL:
            running = {}
    nodes = node_statuses(node_ids, steps, running)
    for node, lines in (logs or {}).items():
        entry = nodes.get(node.split("/")[0])
        if entry is not None:
            entry.setdefault("logs", []).extend(lines)
    progress = progress_rows(run.progress)
    for row in progress:
        entry = nodes.get(row["node"])
        if entry is not None:
            entry.setdefault("progress", []).append(row)
    data = run.to_dict()
    data.pop("steps", None)
    data["duration"] = duration(run)
    return {"run": data, "layout": layout, "nodes": nodes, "progress": progress, "terminal": run.status in TERMINAL}
