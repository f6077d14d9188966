"""Local-run commands: ``run``, ``asl run``, ``runs list|show``, ``events publish``, ``redrive``.

Runs are recorded in the embedded store (``.flowctl/runs.sqlite3`` in the project, or
``$FLOWCTL_HOME``), so ``runs``, ``events publish`` and ``redrive`` work from another terminal.
``run FLOW`` uses the flow's project; the other commands find the project as git finds ``.git``:
the first of the current folder and its parents that holds ``flows/`` or ``.flowctl/``
(``$FLOWCTL_HOME`` overrides). Outside a project they fail rather than create a store.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from orchestrator.cli.app import app, err, out, report_errors
from orchestrator.cli.local_view import Progress, print_breakpoint
from orchestrator.errors import FlowctlError
from orchestrator.local.failures import describe_failure
from orchestrator.store.models import progress_text

__all__ = ["asl_app", "events_app", "runs_app"]

runs_app = typer.Typer(help="Inspect local runs.", no_args_is_help=True)
events_app = typer.Typer(help="Publish external events to waiting runs.", no_args_is_help=True)
asl_app = typer.Typer(help="Run any ASL state machine on the local engine.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
app.add_typer(events_app, name="events")
app.add_typer(asl_app, name="asl")

INTERRUPTED_EXIT = 130
"""Exit code of a run stopped with Ctrl-C (128 + SIGINT, as shells report it)."""


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
    """The run store of the project at ``project_root`` (``$FLOWCTL_HOME`` overrides)."""
    from orchestrator.constants import FLOWCTL_HOME
    from orchestrator.store.local import LocalRunStore

    home = Path(os.environ.get(FLOWCTL_HOME) or project_root / ".flowctl")
    home.mkdir(parents=True, exist_ok=True)
    return LocalRunStore(home / "runs.sqlite3")


def _project_root(command: str) -> Path:
    """The project of the current folder (see the module docstring); outside a project, the
    current folder when ``$FLOWCTL_HOME`` names the store, else a FlowctlError for ``command``."""
    from orchestrator.constants import FLOWCTL_HOME
    from orchestrator.store.factory import find_project_root

    root = find_project_root(Path.cwd())
    if root is not None:
        return root
    if os.environ.get(FLOWCTL_HOME):
        return Path.cwd()
    raise FlowctlError(
        f"{command}: no flowctl project here: neither {Path.cwd()} nor a folder above it holds flows/ "
        f"or .flowctl/; run it inside the project (where `flowctl run` stored the run) or set {FLOWCTL_HOME}"
    )


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


def _print_result(run: Any, as_table: bool = False, full: bool = False) -> None:
    if run.breakpoint:
        print_breakpoint(run, full)
        return
    if run.interrupted:
        err.print(f"[red]ABORTED[/] run [bold]{run.run_id}[/] — interrupted; flowctl redrive {run.run_id} resumes it")
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
    full: bool = typer.Option(False, "--full", help="With --break-at: print the node's input in full, not shortened."),
    mocks: str | None = typer.Option(
        None, "--mocks",
        help="Mocked node results by node id, JSON or @file (see README); a foreach node's "
             "function is mocked per item as '<node>/do'."),
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
    _check_mocks(compiled.flow, mock_doc or {})
    project = Project.for_flow(flow)
    store = local_store(project.root)
    progress = Progress(list(compiled.flow.nodes), enabled=not quiet and err.is_terminal)
    runner = LocalRunner(project, store, on_node=progress)
    os.environ.setdefault("FLOWCTL_PROJECT_DIR", str(project.root))
    result = _run_with_progress(progress, lambda: runner.run(compiled, params, break_at=break_at, mocks=mock_doc))
    _print_result(result, as_table=table, full=full)
    if result.interrupted:
        raise typer.Exit(INTERRUPTED_EXIT)
    if result.breakpoint is None and result.status != "SUCCEEDED":
        raise typer.Exit(1)


def _run_with_progress(progress: Progress, start: Any) -> Any:
    """``start()`` with the live table shown while it runs."""
    if progress.live is None:
        return start()
    with progress.live:
        result = start()
        progress.finish()
    return result


def _check_mocks(flow: Any, mocks: dict[str, Any]) -> None:
    """Every key of ``--mocks`` must be a node, or ``<foreach node>/do`` (its function per item)."""
    per_item = {f"{n}/do" for n, node in flow.nodes.items() if node.foreach is not None}
    for key in mocks:
        node = flow.nodes.get(key)
        if node is not None and node.foreach is not None:
            raise FlowctlError(f"--mocks: '{key}' is a foreach node; its function is mocked per item: "
                               f"use '{key}/do' (the same mock for every item)")
    unknown = sorted(set(mocks) - set(flow.nodes) - per_item)
    if unknown:
        raise FlowctlError(f"--mocks: {', '.join(unknown)} are not nodes of {flow.name}")
    from orchestrator.spec.fanout import aggregated_nodes

    for name in sorted(aggregated_nodes(flow)):
        if f"{name}/do" in mocks:
            raise FlowctlError(f"--mocks: '{name}' aggregates its results in the run store, which its function's "
                               f"@node does and a mock would skip (the fan-in would get no items); mock the nodes "
                               f"after it, or set results: inline on '{name}' while mocking")


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
    if functions_dir is None and Path("functions").is_dir():
        functions_dir = Path("functions")
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
        err.print(f"[red]{describe_failure(result.error, result.cause)}[/]")
        if result.error == "Lambda.ResourceNotFoundException":
            where = f"in {functions_dir}" if functions_dir is not None else "(no ./functions folder here)"
            err.print(f"hint: functions are looked up {where}; name their folder with --functions-dir")
        raise typer.Exit(1)


@runs_app.command("list")
@report_errors
def runs_list(
    flow: str | None = typer.Option(None, "--flow", "-f", help="Only runs of this flow."),
    limit: int = typer.Option(20, "--limit", "-n"),
) -> None:
    """Recent local runs, newest first (of every flow in the store unless --flow)."""
    store = local_store(_project_root("runs list"))
    flows = [flow] if flow else store.flow_names()
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
    store = local_store(_project_root("runs show"))
    found = store.get_run(run_id)
    if found is None:
        raise FlowctlError(f"no run '{run_id}' (see `flowctl runs list`)")
    rounds = f"  redriven {found.redrive_count}×" if found.redrive_count else ""
    out.print(f"[bold]{found.run_id}[/]  flow {found.flow}  [bold]{found.status}[/]  started {found.started_at}{rounds}")
    if found.error:
        out.print(f"[red]{describe_failure(found.error, found.cause)}[/]")
    steps = [s for s in found.steps if node is None or s.node == node]
    if node is not None and not steps:
        raise FlowctlError(f"run '{run_id}' has no node '{node}'")
    if node is not None:
        for step in steps:
            out.print(f"[bold]{step.node}[/] item {step.index} round {step.redrive} attempt {step.attempt}: "
                      f"{step.status} {step.duration_ms or ''} ms")
            out.print_json(json.dumps(step.output, default=str))
            if step.error:
                out.print(f"[red]{describe_failure(step.error, step.cause)}[/]")
        return
    table = Table("node", "item", "round", "attempt", "status", "ms", "error")
    for step in steps:
        table.add_row(step.node, str(step.index), str(step.redrive), str(step.attempt), step.status,
                      str(step.duration_ms or ""), step.error or "")
    out.print(table)
    if found.progress:
        counters = Table("foreach", "items done", title="progress", title_justify="left")
        for name, values in sorted(found.progress.items()):
            counters.add_row(name, progress_text(values))
        out.print(counters)
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
    store = local_store(_project_root("events publish"))
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

    project = Project(_project_root("redrive")) if flow is None else Project.for_flow(flow)
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
    result = _run_with_progress(
        progress, lambda: runner.run(compiled, previous.input, run_id=run_id, replay=replay, redrive_of=previous))
    _print_result(result)
    if result.interrupted:
        raise typer.Exit(INTERRUPTED_EXIT)
    if result.status != "SUCCEEDED":
        raise typer.Exit(1)
