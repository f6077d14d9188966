"""``run`` and ``redrive``: a flow on the local engine, its functions in-process, its run
recorded in the project's local store (see :mod:`orchestrator.cli.context`). What ``run`` does
is :func:`orchestrator.cli.run_flow.run_flow`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from orchestrator.cli.console import err, out, report_errors
from orchestrator.cli.context import local_store, project_root
from orchestrator.cli.literal import lit
from orchestrator.cli.local_view import Progress
from orchestrator.cli.run_flow import (
    INTERRUPTED_EXIT,
    print_result,
    run_flow,
    run_with_progress,
    signals_interrupt,
)
from orchestrator.errors import FlowctlError
from orchestrator.local.workdir import project_workdir

__all__ = ["INTERRUPTED_EXIT", "commands"]

commands = typer.Typer()


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
    no_cache: bool = typer.Option(
        False, "--no-cache",
        help="Compile the flow in full, without the compile cache (.flowctl/cache/; also FLOWCTL_NO_COMPILE_CACHE=1)."),
) -> None:
    """Compile a flow and run it on the local engine with its functions in-process.

    A flow compiled before runs from the compile cache (.flowctl/cache/) while its file, its
    sub-flows, its functions' code and flowctl itself are unchanged.
    """
    code = run_flow(flow, input=input, param=param, break_at=break_at, full=full, mocks=mocks, quiet=quiet,
                    table=table, virtual_clock=virtual_clock, no_cache=no_cache)
    if code:
        raise typer.Exit(code)

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
    with project_workdir(project.root), signals_interrupt():
        result = run_with_progress(
            progress, lambda: runner.run(compiled, previous.input, run_id=run_id, replay=replay, redrive_of=previous,
                                         replay_items=replay_items))
    print_result(result)
    if result.interrupted:
        raise typer.Exit(INTERRUPTED_EXIT)
    if result.status != "SUCCEEDED":
        raise typer.Exit(1)
