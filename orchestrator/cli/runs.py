"""``runs list|show|cancel``: the runs recorded in the project's local store."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from orchestrator.cli.console import out, report_errors
from orchestrator.cli.context import local_store, project_root
from orchestrator.cli.literal import cell, lit
from orchestrator.errors import FlowctlError
from orchestrator.local.failures import describe_failure
from orchestrator.store.models import progress_text

__all__ = ["commands", "runs_app"]

commands = typer.Typer()
runs_app = typer.Typer(help="Inspect and cancel local runs.", no_args_is_help=True)
commands.add_typer(runs_app, name="runs")


@runs_app.command("list")
@report_errors
def runs_list(
    flow: str | None = typer.Option(None, "--flow", "-f", help="Only runs of this flow."),
    limit: int = typer.Option(20, "--limit", "-n"),
) -> None:
    """Recent local runs, newest first (of every flow in the store unless --flow)."""
    store = local_store(project_root("runs list"))
    flows = [flow] if flow else store.flow_names()
    runs = [r for name in flows for r in store.list_runs(name, limit=limit).runs]
    runs.sort(key=lambda r: r.started_at or "", reverse=True)
    table = Table("run", "flow", "status", "started", "stopped")
    for r in runs[:limit]:
        table.add_row(*(cell(v) for v in (r.run_id, r.flow, r.status, r.started_at or "", r.stopped_at or "")))
    out.print(table if runs else "no runs yet")

@runs_app.command("show")
@report_errors
def runs_show(
    run_id: str = typer.Argument(..., help="Run id (as printed by flowctl run)."),
    node: str | None = typer.Option(None, "--node", help="Show this node's input and output in full."),
    resolve: bool = typer.Option(False, "--resolve", help="With --node: show offloaded ({\"$ref\"}) outputs resolved."),
) -> None:
    """A run with every node's status, attempts of every round (redrive), timing and (with --node) data."""
    store = local_store(project_root("runs show"))
    found = store.get_run(run_id)
    if found is None:
        raise FlowctlError(f"no run '{run_id}' (see `flowctl runs list`)")
    rounds = f"  redriven {found.redrive_count}×" if found.redrive_count else ""
    out.print(f"[bold]{lit(found.run_id)}[/]  flow {lit(found.flow)}  [bold]{lit(found.status)}[/]  started {lit(found.started_at)}{lit(rounds)}")
    if found.error:
        out.print(f"[red]{lit(describe_failure(found.error, found.cause))}[/]")
    steps = [s for s in found.steps if node is None or s.node == node]
    if node is not None and not steps:
        raise FlowctlError(f"run '{run_id}' has no node '{node}'")
    if node is not None:
        for step in steps:
            out.print(f"[bold]{lit(step.node)}[/] item {step.index} round {step.redrive} attempt {step.attempt}: "
                      f"{step.status}" + ("" if step.duration_ms is None else f" {step.duration_ms} ms"))
            shown = step.output
            if resolve:
                from orchestrator.runtime.payloads import PayloadStore

                shown = PayloadStore().resolve(step.output)
            elif _has_ref(step.output):
                out.print("(an offloaded output: --resolve shows its value)")
            out.print_json(json.dumps(shown, default=str))
            if step.error:
                out.print(f"[red]{lit(describe_failure(step.error, step.cause))}[/]")
        return
    table = Table("node", "item", "round", "attempt", "status", "ms", "error")
    for step in steps:
        caught = isinstance(step.output, dict) and step.output.get("caught") is True
        table.add_row(*(cell(v) for v in (step.node, step.index, step.redrive, step.attempt, step.status,
                                           "" if step.duration_ms is None else step.duration_ms,
                                           (step.error or "") + (" (caught)" if caught else ""))))
    out.print(table)
    if found.progress:
        counters = Table("foreach", "items done", title="progress", title_justify="left")
        for name, values in sorted(found.progress.items()):
            counters.add_row(cell(name), cell(progress_text(values)))
        out.print(counters)
    if found.status == "SUCCEEDED":
        out.print_json(json.dumps(found.output, default=str))

def _has_ref(value: Any) -> bool:
    if isinstance(value, dict):
        return (len(value) == 1 and isinstance(value.get("$ref"), str)) or any(_has_ref(v) for v in value.values())
    return isinstance(value, list) and any(_has_ref(v) for v in value)

@runs_app.command("cancel")
@report_errors
def runs_cancel(run_id: str = typer.Argument(..., help="A running run.")) -> None:
    """Stop a running run: it ends ABORTED (as StopExecution does), and can be redriven."""
    from rich.text import Text

    from orchestrator.serve.app import project_home
    from orchestrator.serve.client import call_server
    from orchestrator.serve.discovery import running_server
    from orchestrator.store.models import CANCEL_ERROR

    root = project_root("runs cancel")
    store = local_store(root)
    run = store.get_run(run_id, steps=False)
    if run is None:
        raise FlowctlError(f"no run '{run_id}' (see `flowctl runs list`)")
    if run.is_terminal:
        raise FlowctlError(f"run '{run_id}' is {run.status}: only a running run can be cancelled")
    server = running_server(project_home(root))
    if server is not None and run.execution_arn:
        status, answer = call_server(server, "POST", f"/runs/{run_id}/cancel")
        if status != 200:
            raise FlowctlError(f"runs cancel: {answer.get('message') if isinstance(answer, dict) else answer}")
        out.print(Text(f"✓ run {run_id} is {answer['run']['status']} (cancelled in flowctl serve)"))
        return
    # A `flowctl run` process (or a stopped serve): the run record says so; the process polls it.
    store.update_run_status(run_id, "ABORTED", error=CANCEL_ERROR, cause="cancelled with flowctl runs cancel",
                            redrive_count=run.redrive_count)
    out.print(Text(f"✓ run {run_id} is ABORTED; flowctl redrive {run_id} resumes it"))
