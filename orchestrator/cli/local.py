"""Local-run commands: ``run``, ``asl run``, ``runs list|show``, ``events publish``, ``redrive``.

Runs are recorded in the embedded store (``.flowctl/runs.sqlite3`` in the project, or
``$FLOWCTL_HOME``), so ``runs``, ``events publish`` and ``redrive`` work from another terminal.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import typer
from rich.live import Live
from rich.table import Table

from orchestrator.cli.app import app, err, out, report_errors
from orchestrator.errors import FlowctlError

__all__ = ["asl_app", "events_app", "runs_app"]

runs_app = typer.Typer(help="Inspect local runs.", no_args_is_help=True)
events_app = typer.Typer(help="Publish external events to waiting runs.", no_args_is_help=True)
asl_app = typer.Typer(help="Run any ASL state machine on the local engine.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
app.add_typer(events_app, name="events")
app.add_typer(asl_app, name="asl")

ICONS = {"RUNNING": "[yellow]●[/] running", "SUCCEEDED": "[green]✓[/] done", "FAILED": "[red]✗[/] failed",
         "SKIPPED": "[dim]- skipped[/]", "RETRY": "[yellow]↻[/] retrying"}


def parse_json_arg(value: str | None, what: str) -> Any:
    """``JSON`` or ``@file`` → data; a clear error naming ``what`` otherwise."""
    if value is None:
        return None
    text = value
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            text = path.read_text()
        except OSError as exc:
            raise FlowctlError(f"{what}: cannot read {path}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FlowctlError(f"{what}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


def local_store(project_root: Path) -> Any:
    from orchestrator.constants import FLOWCTL_HOME
    from orchestrator.store.local import LocalRunStore

    home = Path(os.environ.get(FLOWCTL_HOME) or project_root / ".flowctl")
    home.mkdir(parents=True, exist_ok=True)
    return LocalRunStore(home / "runs.sqlite3")


def _project_root(flow: Path | None = None) -> Path:
    from orchestrator.spec.project import Project

    return Project.for_flow(flow).root if flow is not None else Path.cwd()


class Progress:
    """A live table of node statuses, fed from engine threads."""

    def __init__(self, nodes: list[str], enabled: bool) -> None:
        self.rows: dict[str, list[Any]] = {n: ["[dim]· waiting[/]", 0, ""] for n in nodes}
        self.lock = threading.Lock()
        self.live = Live(self.render(), console=err, refresh_per_second=8, transient=False) if enabled else None

    def render(self) -> Table:
        table = Table(show_header=True, header_style="bold", box=None)
        table.add_column("node")
        table.add_column("status")
        table.add_column("items", justify="right")
        table.add_column("detail", overflow="fold")
        for node, (status, items, detail) in self.rows.items():
            table.add_row(node, status, str(items or ""), detail)
        return table

    def __call__(self, event: Any) -> None:
        with self.lock:
            row = self.rows.setdefault(event.node, ["", 0, ""])
            row[0] = ICONS.get(event.status, event.status)
            if "/" in event.node and event.index is not None and event.status == "SUCCEEDED":
                row[1] += 1
            if event.detail:
                row[2] = event.detail
            if self.live is not None:
                self.live.update(self.render())


def describe_failure(error: str | None, cause: str | None) -> str:
    """``error: cause``, with a Lambda's JSON cause shortened to its message and origin."""
    parsed = None
    if cause and cause.startswith("{"):
        try:
            parsed = json.loads(cause)
        except json.JSONDecodeError:
            parsed = None
    if isinstance(parsed, dict) and "errorMessage" in parsed:
        frames = parsed.get("stackTrace") or []
        where = frames[-1].strip().splitlines()[0] if frames and isinstance(frames[-1], str) else ""
        return f"{error}: {parsed['errorMessage']}" + (f"\n  at {where}" if where else "")
    return f"{error}: {cause or ''}"


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        rows: list[tuple[str, Any]] = []
        for key, item in value.items():
            rows.extend(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return rows
    if isinstance(value, list) and len(value) > 5:
        return [(prefix, f"[{len(value)} items]")]
    return [(prefix or "output", value)]


def _print_table(output: Any) -> None:
    table = Table("field", "value", show_header=True, header_style="bold")
    for key, value in _flatten(output):
        table.add_row(key, value if isinstance(value, str) else json.dumps(value, default=str))
    out.print(table)


def _print_result(run: Any, as_table: bool = False) -> None:
    if run.breakpoint:
        out.print(f"[yellow]⏸ stopped before[/] [bold]{run.breakpoint['node']}[/] (run {run.run_id})")
        out.print("it would receive:")
        out.print_json(json.dumps(run.breakpoint.get("input"), default=str))
        return
    colour = "green" if run.status == "SUCCEEDED" else "red"
    err.print(f"[{colour}]{run.status}[/] run [bold]{run.run_id}[/]")
    if run.status == "SUCCEEDED" and as_table:
        _print_table(run.output)
    elif run.status == "SUCCEEDED":
        sys.stdout.write(json.dumps(run.output, indent=2, default=str) + "\n")
    else:
        err.print(f"[red]{describe_failure(run.error, run.cause)}[/]")
        err.print(f"see `flowctl runs show {run.run_id}`; fix and `flowctl redrive {run.run_id}`")


@app.command()
@report_errors
def run(
    flow: Path = typer.Argument(..., help="Flow file."),
    input: str | None = typer.Option(None, "--input", "-i", help="Parameters as JSON or @file."),
    param: list[str] = typer.Option([], "--param", "-p", help="One parameter, NAME=VALUE (repeatable)."),
    break_at: str | None = typer.Option(None, "--break-at", help="Stop before this node and show its input."),
    mocks: str | None = typer.Option(None, "--mocks", help="Mocked node results by node id, JSON or @file (see README)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No live progress."),
    table: bool = typer.Option(False, "--table", help="Print the output as a table instead of JSON."),
) -> None:
    """Compile a flow and run it on the local engine with its functions in-process."""
    from orchestrator.compiler import compile_flow_file
    from orchestrator.local.runner import LocalRunner
    from orchestrator.spec.params import coerce_param_assignments
    from orchestrator.spec.project import Project

    compiled = compile_flow_file(flow)
    params = parse_json_arg(input, "--input") or {}
    if not isinstance(params, dict):
        raise FlowctlError("--input must be a JSON object of parameters")
    params.update(coerce_param_assignments(compiled.flow, param))
    mock_doc = parse_json_arg(mocks, "--mocks")
    if mock_doc is not None and not isinstance(mock_doc, dict):
        raise FlowctlError("--mocks must be a JSON object keyed by node id")
    unknown = sorted(set(mock_doc or {}) - set(compiled.flow.nodes))
    if unknown:
        raise FlowctlError(f"--mocks: {', '.join(unknown)} are not nodes of {compiled.flow.name}")
    project = Project.for_flow(flow)
    store = local_store(project.root)
    progress = Progress(list(compiled.flow.nodes), enabled=not quiet and err.is_terminal)
    runner = LocalRunner(project, store, on_node=progress)
    os.environ.setdefault("FLOWCTL_PROJECT_DIR", str(project.root))
    if progress.live is not None:
        with progress.live:
            result = runner.run(compiled, params, break_at=break_at, mocks=mock_doc)
    else:
        result = runner.run(compiled, params, break_at=break_at, mocks=mock_doc)
    _print_result(result, as_table=table)
    if result.breakpoint is None and result.status != "SUCCEEDED":
        raise typer.Exit(1)


@asl_app.command("run")
@report_errors
def asl_run(
    definition: Path = typer.Argument(..., help="ASL definition (JSON)."),
    input: str | None = typer.Option(None, "--input", "-i", help="Execution input as JSON or @file."),
    functions_dir: Path | None = typer.Option(None, "--functions-dir", help="Folder of local Lambda functions."),
    mocks: str | None = typer.Option(None, "--mocks", help="Mocked task results per state, JSON or @file."),
    history: bool = typer.Option(False, "--history", help="Print the execution history too."),
) -> None:
    """Run any ASL definition locally (virtual clock off: Waits really wait)."""
    from orchestrator.engine import Engine, RealClock

    try:
        text = definition.read_text()
    except OSError as exc:
        raise FlowctlError(f"{definition}: {exc.strerror}") from None
    doc = parse_json_arg(text, str(definition))
    engine = Engine(doc, functions_dir=functions_dir, mocks=parse_json_arg(mocks, "--mocks"), clock=RealClock())
    result = engine.start(parse_json_arg(input, "--input"))
    if history:
        for event in result.history:
            err.print(json.dumps(event, default=str))
    colour = "green" if result.status == "SUCCEEDED" else "red"
    err.print(f"[{colour}]{result.status}[/]")
    if result.status == "SUCCEEDED":
        sys.stdout.write(json.dumps(result.output, indent=2) + "\n")
    else:
        err.print(f"[red]{result.error}[/]: {result.cause or ''}")
        raise typer.Exit(1)


@runs_app.command("list")
@report_errors
def runs_list(
    flow: str | None = typer.Option(None, "--flow", "-f", help="Only runs of this flow."),
    limit: int = typer.Option(20, "--limit", "-n"),
) -> None:
    """Recent local runs, newest first."""
    from orchestrator.spec.project import Project

    store = local_store(_project_root())
    flows = [flow] if flow else [p.stem for p in Project(Path.cwd()).flow_paths()]
    runs = [r for name in flows for r in store.list_runs(name, limit=limit).runs]
    runs.sort(key=lambda r: r.started_at or "", reverse=True)
    table = Table("run", "flow", "status", "started", "stopped")
    for r in runs[:limit]:
        table.add_row(r.run_id, r.flow, r.status, r.started_at or "", r.stopped_at or "")
    out.print(table if runs else "no runs yet")


@runs_app.command("show")
@report_errors
def runs_show(
    run_id: str = typer.Argument(..., help="Run id (as printed by flowctl run)."),
    node: str | None = typer.Option(None, "--node", help="Show this node's input and output in full."),
) -> None:
    """A run with every node's status, attempts of every round (redrive), timing and (with --node) data."""
    store = local_store(_project_root())
    found = store.get_run(run_id)
    if found is None:
        raise FlowctlError(f"no run '{run_id}' (see `flowctl runs list`)")
    rounds = f"  redriven {found.redrive_count}×" if found.redrive_count else ""
    out.print(f"[bold]{found.run_id}[/]  flow {found.flow}  [bold]{found.status}[/]  started {found.started_at}{rounds}")
    if found.error:
        out.print(f"[red]{found.error}[/]: {found.cause or ''}")
    steps = [s for s in found.steps if node is None or s.node == node]
    if node is not None and not steps:
        raise FlowctlError(f"run '{run_id}' has no node '{node}'")
    if node is not None:
        for step in steps:
            out.print(f"[bold]{step.node}[/] item {step.index} round {step.redrive} attempt {step.attempt}: "
                      f"{step.status} {step.duration_ms or ''} ms")
            out.print_json(json.dumps(step.output, default=str))
            if step.error:
                out.print(f"[red]{step.error}[/]: {step.cause}")
        return
    table = Table("node", "item", "round", "attempt", "status", "ms", "error")
    for step in steps:
        table.add_row(step.node, str(step.index), str(step.redrive), str(step.attempt), step.status,
                      str(step.duration_ms or ""), step.error or "")
    out.print(table)
    if found.status == "SUCCEEDED":
        out.print_json(json.dumps(found.output, default=str))


@events_app.command("publish")
@report_errors
def events_publish(
    name: str = typer.Argument(..., help="Event name, e.g. event1."),
    key: str = typer.Option(..., "--key", "-k", help="Correlation key."),
    data: str = typer.Option("{}", "--data", "-d", help="Event data as JSON or @file."),
) -> None:
    """Publish an event: a waiting run resumes with it; otherwise it is kept until one waits."""
    store = local_store(_project_root())
    payload = parse_json_arg(data, "--data")
    waiting = store.list_waiters(name, key)
    store.buffer_event(name, key, payload)
    if waiting:
        out.print(f"[green]✓[/] delivered to {', '.join(sorted({w.run_id for w in waiting}))}")
    else:
        out.print(f"[green]✓[/] buffered: the first run to wait for {name}/{key} receives it")


@app.command()
@report_errors
def redrive(
    run_id: str = typer.Argument(..., help="A failed local run."),
    flow: Path | None = typer.Option(None, "--flow", help="Flow file (default: flows/<flow>.json)."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Re-run a failed run from its failed node, reusing the recorded outputs of the nodes before it."""
    from orchestrator.compiler import compile_flow_file
    from orchestrator.local.runner import LocalRunner
    from orchestrator.spec.project import Project

    project = Project(Path.cwd()) if flow is None else Project.for_flow(flow)
    store = local_store(project.root)
    previous = store.get_run(run_id)
    if previous is None:
        raise FlowctlError(f"no run '{run_id}' (see `flowctl runs list`)")
    if previous.status in ("SUCCEEDED", "RUNNING"):
        raise FlowctlError(f"run '{run_id}' is {previous.status}: only failed, timed-out or aborted runs can be redriven")
    path = flow or project.flow_path(previous.flow)
    if path is None:
        raise FlowctlError(f"flow '{previous.flow}' is not in {project.flows_dir}")
    compiled = compile_flow_file(path, project)
    replay = {}
    for step in previous.steps:
        if step.status == "SUCCEEDED" and step.index == 0 and isinstance(step.output, dict) and compiled.flow.nodes.get(step.node) and compiled.flow.nodes[step.node].uses:
            replay[step.node] = step.output.get("output")
    progress = Progress(list(compiled.flow.nodes), enabled=not quiet and err.is_terminal)
    runner = LocalRunner(project, store, on_node=progress)
    err.print(f"redriving {run_id}: reusing {len(replay)} recorded node output(s): {', '.join(sorted(replay)) or 'none'}")
    result = runner.run(compiled, previous.input, run_id=run_id, replay=replay, redrive_of=previous)
    _print_result(result)
    if result.status != "SUCCEEDED":
        raise typer.Exit(1)
