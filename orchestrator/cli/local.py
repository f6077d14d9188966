"""Local-run commands: ``run``, ``asl run``, ``runs list|show|cancel``, ``events publish|list``,
``redrive``.

Runs are recorded in the embedded store (``.flowctl/runs.sqlite3`` in the project, or
``$FLOWCTL_HOME``), so ``runs``, ``events publish`` and ``redrive`` work from another terminal.
``run FLOW`` uses the flow's project; the other commands find the project as git finds ``.git``:
the first of the current folder and its parents that holds ``flows/`` or ``.flowctl/``
(``$FLOWCTL_HOME`` overrides). Outside a project they fail rather than create a store.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from orchestrator import strict_json
from orchestrator.cli.app import app, err, out, report_errors
from orchestrator.cli.literal import cell, lit
from orchestrator.cli.local_view import Progress, print_breakpoint
from orchestrator.errors import FlowctlError
from orchestrator.local.failures import describe_failure
from orchestrator.local.workdir import project_workdir
from orchestrator.store.models import progress_text
from orchestrator.strict_json import StrictJsonError

__all__ = ["asl_app", "events_app", "runs_app"]

runs_app = typer.Typer(help="Inspect and cancel local runs.", no_args_is_help=True)
events_app = typer.Typer(help="Publish events (to waiting runs and triggered flows); list waiting runs.", no_args_is_help=True)
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
        return strict_json.loads(text)
    except StrictJsonError as exc:
        raise FlowctlError(f"{what}: {exc}") from None


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
    from orchestrator.flowlang.project import find_project_root

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
        table.add_row(cell(key), cell(value if isinstance(value, str) else json.dumps(value, default=str)))
    out.print(table)


def _print_result(run: Any, as_table: bool = False, full: bool = False) -> None:
    if run.breakpoint:
        print_breakpoint(run, full)
        return
    again = (f"flowctl redrive {run.run_id}" if getattr(run, "redrivable", True)
             else "run it again (an Express flow's runs cannot be redriven)")
    if run.interrupted:
        resumes = f"{again} resumes it" if getattr(run, "redrivable", True) else again
        err.print(f"[red]ABORTED[/] run [bold]{lit(run.run_id)}[/] — interrupted; {lit(resumes)}")
        return
    colour = "green" if run.status == "SUCCEEDED" else "red"
    err.print(f"[{colour}]{lit(run.status)}[/] run [bold]{lit(run.run_id)}[/]")
    if run.status == "SUCCEEDED" and as_table:
        _print_table(run.output)
    elif run.status == "SUCCEEDED":
        sys.stdout.write(json.dumps(run.output, indent=2, default=str) + "\n")
    else:
        err.print(f"[red]{lit(describe_failure(run.error, run.cause))}[/]")
        err.print(f"see `flowctl runs show {lit(run.run_id)}`; fix and `{lit(again)}`" if getattr(run, "redrivable", True)
                  else f"see `flowctl runs show {lit(run.run_id)}`; fix and {lit(again)}")


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
    virtual_clock: bool = typer.Option(False, "--virtual-clock", help="Fast-forward wait nodes and retry back-off (time is simulated)."),
) -> None:
    """Compile a flow and run it on the local engine with its functions in-process."""
    from orchestrator.compiler import compile_flow_file
    from orchestrator.flowlang.params import coerce_param_assignments
    from orchestrator.flowlang.project import Project
    from orchestrator.local.runner import LocalRunner

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
    clock = None
    if virtual_clock:
        from orchestrator.engine import VirtualClock

        clock = VirtualClock()
    runner = LocalRunner(project, store, on_node=progress, clock=clock)
    # node functions run in the project root, wherever flowctl runs
    with project_workdir(project.root), _signals_interrupt():
        result = _run_with_progress(progress, lambda: runner.run(compiled, params, break_at=break_at, mocks=mock_doc))
    _print_result(result, as_table=table, full=full)
    if result.interrupted:
        raise typer.Exit(INTERRUPTED_EXIT)
    if result.breakpoint is None and result.status != "SUCCEEDED":
        raise typer.Exit(1)


class _Signalled(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled like Ctrl-C: the run ends ABORTED and redrivable."""


@contextlib.contextmanager
def _signals_interrupt() -> Any:
    """While a run runs, SIGTERM and SIGHUP interrupt it as Ctrl-C does (not a silent death that
    leaves the run RUNNING for ever)."""
    def interrupt(signum: int, frame: Any) -> None:
        raise _Signalled(f"interrupted ({signal.Signals(signum).name})")

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError):  # not the main thread (embedded use): leave them
            previous[sig] = signal.signal(sig, interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
    from orchestrator.flowlang.fanout import aggregated_nodes

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
            err.print(lit(json.dumps(event, default=str)))
    colour = "green" if result.status == "SUCCEEDED" else "red"
    err.print(f"[{colour}]{lit(result.status)}[/]")
    if result.status == "SUCCEEDED":
        sys.stdout.write(json.dumps(result.output, indent=2) + "\n")
    else:
        err.print(f"[red]{lit(describe_failure(result.error, result.cause))}[/]")
        if result.error == "Lambda.ResourceNotFoundException":
            where = f"in {functions_dir}" if functions_dir is not None else "(no ./functions folder here)"
            err.print(f"hint: functions are looked up {lit(where)}; name their folder with --functions-dir")
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
    store = local_store(_project_root("runs show"))
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
                      f"{step.status} {step.duration_ms or ''} ms")
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
                                           step.duration_ms or "",
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

    root = _project_root("events publish")
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

    store = local_store(_project_root("events list"))
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


@runs_app.command("cancel")
@report_errors
def runs_cancel(run_id: str = typer.Argument(..., help="A running run.")) -> None:
    """Stop a running run: it ends ABORTED (as StopExecution does), and can be redriven."""
    from rich.text import Text

    from orchestrator.serve.app import project_home
    from orchestrator.serve.client import call_server
    from orchestrator.serve.discovery import running_server
    from orchestrator.service.runs import CANCEL_ERROR

    root = _project_root("runs cancel")
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


def _redrive_served(root: Path, run_id: str) -> None:
    from rich.text import Text

    from orchestrator.serve.app import project_home
    from orchestrator.serve.client import call_server
    from orchestrator.serve.discovery import running_server

    server = running_server(project_home(root))
    if server is None:
        raise FlowctlError(f"run '{run_id}' ran in flowctl serve: start `flowctl serve` and redrive it there "
                           f"(flowctl redrive {run_id}, or POST /runs/{run_id}/redrive)")
    status, answer = call_server(server, "POST", f"/runs/{run_id}/redrive")
    if status == 404:
        raise FlowctlError(f"run '{run_id}' ran in a flowctl serve that has stopped since: its execution is gone "
                           "with it; start a new run")
    if status != 200:
        raise FlowctlError(f"redrive: {answer.get('message') if isinstance(answer, dict) else answer}")
    out.print(Text(f"✓ run {run_id} is {answer['run']['status']} again (redriven in flowctl serve, {server['url']})"))


@app.command()
@report_errors
def redrive(
    run_id: str = typer.Argument(..., help="A failed local run."),
    flow: Path | None = typer.Option(None, "--flow", help="Flow file (default: flows/<flow>.json)."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Re-run a failed run from its failed node, reusing the recorded outputs of the nodes before it."""
    from orchestrator.compiler import compile_flow_file
    from orchestrator.flowlang.project import Project
    from orchestrator.local.runner import LocalRunner

    project = Project(_project_root("redrive")) if flow is None else Project.for_flow(flow)
    store = local_store(project.root)
    previous = store.get_run(run_id)
    if previous is None:
        raise FlowctlError(f"no run '{run_id}' (see `flowctl runs list`)")
    if previous.status in ("SUCCEEDED", "RUNNING"):
        raise FlowctlError(f"run '{run_id}' is {previous.status}: only failed, timed-out or aborted runs can be redriven")
    if previous.execution_arn:  # run by `flowctl serve` (an execution of its engine): redrive it there
        _redrive_served(project.root, run_id)
        return
    path = flow or project.flow_path(previous.flow)
    if path is None:
        raise FlowctlError(f"flow '{previous.flow}' is not in {project.flows_dir}")
    compiled = compile_flow_file(path, project)
    if compiled.type == "EXPRESS":
        raise FlowctlError(
            f"run '{run_id}' is a run of the Express flow '{previous.flow}': Step Functions cannot redrive Express "
            "executions (RedriveExecution answers InvalidArn); start a new run, or set \"type\": \"STANDARD\" "
            "on the flow to make its runs redrivable"
        )
    replay = {}
    replay_items: dict[tuple[str, int], Any] = {}
    for step in previous.steps:
        if step.status != "SUCCEEDED" or not isinstance(step.output, dict):
            continue
        if step.index == 0 and compiled.flow.nodes.get(step.node) and compiled.flow.nodes[step.node].uses:
            replay[step.node] = step.output.get("output")
        elif "/" in step.node:  # one item of a foreach (or iteration of a loop) that succeeded
            replay_items[(step.node, step.index)] = step.output.get("output")
    progress = Progress(list(compiled.flow.nodes), enabled=not quiet and err.is_terminal)
    runner = LocalRunner(project, store, on_node=progress)
    items = f" and {len(replay_items)} item output(s) of foreach/while nodes" if replay_items else ""
    err.print(f"redriving {lit(run_id)}: reusing {len(replay)} recorded node output(s): "
              f"{lit(', '.join(sorted(replay)) or 'none')}{items}")
    with project_workdir(project.root), _signals_interrupt():
        result = _run_with_progress(
            progress, lambda: runner.run(compiled, previous.input, run_id=run_id, replay=replay, redrive_of=previous,
                                         replay_items=replay_items))
    _print_result(result)
    if result.interrupted:
        raise typer.Exit(INTERRUPTED_EXIT)
    if result.status != "SUCCEEDED":
        raise typer.Exit(1)
