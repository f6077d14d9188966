"""``events publish|list|sample``: events to waiting runs and triggered flows, the runs waiting
for one, and a node's recorded payload as a ``sam local invoke`` event."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from orchestrator.cli.console import err, out, report_errors
from orchestrator.cli.context import local_store, parse_json_arg, project_root
from orchestrator.errors import FlowctlError, Problem

__all__ = ["commands", "events_app", "recorded_payload"]

commands = typer.Typer()
events_app = typer.Typer(help="Publish events (to waiting runs and triggered flows); list waiting runs.", no_args_is_help=True)
commands.add_typer(events_app, name="events")


@events_app.command("publish")
@report_errors
def events_publish(
    name: str | None = typer.Argument(None, help="Event name, e.g. event1 (the detail-type)."),
    key: str | None = typer.Option(None, "--key", "-k", help="Correlation key."),
    data: str = typer.Option("{}", "--data", "-d", help="Event data as JSON or @file."),
    source: str | None = typer.Option(None, "--source", help="A full EventBridge event: its source, e.g. shop.orders."),
    detail_type: str | None = typer.Option(None, "--detail-type", help="A full EventBridge event: its detail-type (default: NAME)."),
    detail: str | None = typer.Option(None, "--detail", help="A full EventBridge event: its detail, JSON or @file."),
) -> None:
    """Publish an event like the application's bus does: resume the runs waiting for it (or keep
    it for the first one to wait) and start every flow whose trigger pattern matches it."""
    from orchestrator.constants import DEFAULT_EVENT_SOURCE
    from orchestrator.serve.app import project_home
    from orchestrator.serve.client import call_server
    from orchestrator.serve.discovery import running_server

    root = project_root("events publish")
    if source is not None or detail is not None or detail_type is not None:
        kind = detail_type or name
        if not source or not kind:
            raise FlowctlError("events publish: a full event needs --source and --detail-type (or NAME)")
        event = {"source": source, "detail-type": kind, "detail": parse_json_arg(detail, "--detail") or {}}
    else:
        if not name or key is None:
            raise FlowctlError("events publish: give NAME --key K [--data JSON], or --source S --detail-type T --detail JSON")
        event = {"source": DEFAULT_EVENT_SOURCE, "detail-type": name,
                 "detail": {"key": key, "data": parse_json_arg(data, "--data")}}
    server = running_server(project_home(root))
    if server is not None:
        status, answer = call_server(server, "POST", "/local/events", event)
        if status != 200:
            raise FlowctlError(f"events publish: {answer.get('message') if isinstance(answer, dict) else answer}")
        _print_published(root, event, answer, where=f"in flowctl serve ({server['url']})")
        return
    _publish_here(root, event)

def _publish_here(root: Path, event: dict[str, Any]) -> None:
    """No ``serve``: waiting ``flowctl run`` processes get the event through the store (they poll
    it), triggered flows run in this process until they end."""
    from orchestrator.constants import DEFAULT_EVENT_SOURCE
    from orchestrator.flowlang.event_patterns import matches
    from orchestrator.serve.bus import make_event

    answer: dict[str, Any] = {"resumed": [], "buffered": False, "started": [], "failed": []}
    store = local_store(root)
    detail = event["detail"] if isinstance(event["detail"], dict) else {}
    if event["source"] == DEFAULT_EVENT_SOURCE:
        name, key = event["detail-type"], str(detail.get("key"))
        # Waiters of runs that ended (a stopped serve's) cannot take it: it stays buffered.
        waiting = [w for w in store.list_waiters(name, key) if not _ended(store, w.run_id)]
        store.buffer_event(name, key, detail.get("data"))
        answer["resumed"] = [{"run_id": w.run_id, "node": w.node} for w in waiting]
        answer["buffered"] = not waiting
    full = make_event(event["source"], event["detail-type"], event["detail"])
    triggered = [f.name for f in _project_flows(root) if any(matches(t.pattern, full) for t in f.triggers)]
    if triggered:
        from orchestrator.serve.app import ServeApp

        application = ServeApp(root, scheduler=False)
        try:
            result = application.bus.publish(full, route=False)
            answer["started"], answer["failed"] = result.started, result.failed
            application.wait_runs([r["run_id"] for r in result.started if r["created"]])
            for started in answer["started"]:
                run = application.store.get_run(started["run_id"], steps=False)
                started["status"] = run.status if run else None
        finally:
            application.close()
    _print_published(root, event, answer, where="here")
    if any(s.get("status") not in (None, "SUCCEEDED") for s in answer["started"]) or answer["failed"]:
        raise typer.Exit(1)

def _ended(store: Any, run_id: str) -> bool:
    run = store.get_run(run_id, steps=False)
    return run is not None and run.is_terminal

def _print_published(root: Path, event: dict[str, Any], answer: dict[str, Any], where: str) -> None:
    from rich.text import Text

    from orchestrator.constants import DEFAULT_EVENT_SOURCE

    name = event["detail-type"]
    detail = event["detail"] if isinstance(event["detail"], dict) else {}
    resumed = sorted({r["run_id"] for r in answer.get("resumed", [])})
    if resumed:
        out.print(Text(f"✓ resumed {len(resumed)} run(s): delivered to {', '.join(resumed)}"))
    for started in answer.get("started", []):
        state = f" → {started['status']}" if started.get("status") else ""
        verb = "started" if started.get("created", True) else "already started"
        out.print(Text(f"✓ {verb} run {started['run_id']} of flow {started['flow']} {where}{state}"))
    for failed in answer.get("failed", []):
        err.print(Text(f"✗ not started: flow {failed['flow']}: {failed['message']}", style="red"))
    if answer.get("buffered"):
        out.print(Text(f"✓ buffered: the first run to wait for {name}/{detail.get('key')} receives it"))
    if not resumed and not answer.get("started") and not answer.get("failed"):
        waits = _flows_waiting_for(root, name) if event["source"] == DEFAULT_EVENT_SOURCE else []
        if not waits:
            what = "no flow waits for this event (wait_for) and no flow's trigger matches it"
            err.print(Text(f"warning: {what}" + ("; it stays buffered for 24 h" if answer.get("buffered") else "; nothing happened"),
                           style="yellow"))

def _flows_waiting_for(root: Path, event: str) -> list[str]:
    """Flows of the project with a ``wait_for`` node for ``event``."""
    return [f.name for f in _project_flows(root)
            if any(n.wait_for is not None and n.wait_for.event == event for n in f.nodes.values())]

def _project_flows(root: Path) -> list[Any]:
    """The project's valid flows (an invalid one is skipped: `flowctl validate` reports it)."""
    from orchestrator.compiler.validate import validate_flow_file
    from orchestrator.flowlang.project import Project

    flows = []
    for path in Project(root).flow_paths():
        with contextlib.suppress(FlowctlError):
            flows.append(validate_flow_file(path))
    return flows

@events_app.command("list")
@report_errors
def events_list() -> None:
    """Buffered events (waiting for a run) and runs waiting for an event."""
    from datetime import UTC, datetime

    from rich.text import Text

    store = local_store(project_root("events list"))
    waiters, buffered = store.event_records()

    def when(epoch: int) -> str:
        return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")

    table = Table("waiting run", "node", "event", "key", "expires")
    for w in waiters:  # cells as Text: user data is printed literally, never as markup
        table.add_row(*(Text(v) for v in (w.run_id, w.node, w.event, w.key, when(w.expires_at))))
    out.print(table if waiters else "no run is waiting for an event")
    table = Table("buffered event", "key", "published", "expires", "data")
    for e in buffered:
        cells = (e.event, e.key, e.published_at, when(e.expires_at), json.dumps(e.data, default=str)[:80])
        table.add_row(*(Text(v) for v in cells))
    out.print(table if buffered else "no buffered event")

def recorded_payload(run: Any, node: str, index: int | None = None) -> dict[str, Any]:
    """The Lambda payload (``{"input", "params", "context"}``) node ``node`` received in ``run``:
    of item ``index`` for a foreach node (default: the first recorded), its last attempt."""
    steps = [s for s in run.steps if s.node == node or s.node.startswith(f"{node}/")]
    if not steps:
        nodes = ", ".join(sorted({s.node.split("/")[0] for s in run.steps})) or "none recorded"
        raise FlowctlError(f"run '{run.run_id}' has no node '{node}'", problems=[Problem("--node", f"'{node}' is not a node of the run", f"its nodes: {nodes}")])
    called = [s for s in steps if isinstance(s.output, dict) and isinstance(s.output.get("context"), dict)]
    if not called:
        omitted = [s.output["bytes"] for s in steps if isinstance(s.output, dict) and s.output.get("$omitted")]
        if omitted:
            raise FlowctlError(
                f"run '{run.run_id}': node '{node}' was recorded without its payload: its input and output "
                f"({max(omitted):,} bytes) were too large to keep",
                problems=[Problem("--node", "no payload recorded", "run the flow on smaller data to sample its events")],
                )
        raise FlowctlError(f"run '{run.run_id}': node '{node}' called no function (a set, switch or mocked node has no payload)")
    item = min(s.index for s in called) if index is None else index
    of_item = [s for s in called if s.index == item]
    if not of_item:
        raise FlowctlError(f"run '{run.run_id}': node '{node}' has no item {item} "
                           f"(items: {', '.join(str(i) for i in sorted({s.index for s in called}))})")
    step = max(of_item, key=lambda s: (s.redrive, s.attempt))
    params = step.output.get("params", run.input)  # the run's, unless a sub-flow's
    return {"input": step.output.get("input"), "params": params, "context": step.output["context"]}

@events_app.command("sample")
@report_errors
def events_sample(
    run_id: str = typer.Argument(..., help="A recorded local run (see `flowctl runs list`)."),
    node: str = typer.Option(..., "--node", help="The node whose payload to write."),
    index: int | None = typer.Option(None, "--index", help="For a foreach node: the item (default: the first)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the event here (e.g. events/<function>.json) instead of stdout."),
) -> None:
    """Write the payload a node received in a local run as a `sam local invoke -e` event."""
    store = local_store(project_root("events sample"))
    run = store.get_run(run_id)
    if run is None:
        raise FlowctlError(f"no run '{run_id}' (see `flowctl runs list`)")
    text = json.dumps(recorded_payload(run, node, index), indent=2, default=str) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    out.print(f"[green]✓[/] wrote {output}: the payload of {node} in {run_id}")
