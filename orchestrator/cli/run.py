"""``run`` and ``redrive``: a flow on the local engine, its functions in-process, its run
recorded in the project's local store (see :mod:`orchestrator.cli.context`)."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import Any

import typer

from orchestrator.cli.console import err, out, report_errors
from orchestrator.cli.context import local_store, parse_json_arg, project_root
from orchestrator.cli.literal import cell, lit
from orchestrator.cli.local_view import Progress, print_breakpoint
from orchestrator.errors import FlowctlError
from orchestrator.local.failures import describe_failure
from orchestrator.local.workdir import project_workdir

__all__ = ["INTERRUPTED_EXIT", "commands"]

commands = typer.Typer()

INTERRUPTED_EXIT = 130
"""Exit code of a run stopped with Ctrl-C (128 + SIGINT, as shells report it)."""


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
    from rich.table import Table

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

@commands.command()
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

@commands.command()
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

    project = Project(project_root("redrive")) if flow is None else Project.for_flow(flow)
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
            "on the flow to make its runs redrivable",
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
