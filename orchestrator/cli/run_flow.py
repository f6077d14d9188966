"""What ``flowctl run`` does, without the command line around it: compile the flow (or take it
from the compile cache, :mod:`orchestrator.local.compile_cache`), check the parameters and mocks,
run it on the local engine with its functions in-process, record it in the project's local
store (see :mod:`orchestrator.cli.context`) and print the result.

It imports neither typer nor rich (unless a table or live progress is shown), so that
:mod:`orchestrator.cli.run_argv` can run a plain ``flowctl run`` without them; the ``run``
command of :mod:`orchestrator.cli.run` calls the same :func:`run_flow`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from orchestrator.cli.console import err, out
from orchestrator.cli.context import local_store, parse_json_arg
from orchestrator.cli.literal import cell, lit
from orchestrator.cli.local_view import Progress, print_breakpoint
from orchestrator.errors import FlowctlError
from orchestrator.local.failures import describe_failure
from orchestrator.local.workdir import project_workdir

__all__ = ["INTERRUPTED_EXIT", "print_result", "run_flow", "run_with_progress", "signals_interrupt"]

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

def print_result(run: Any, as_table: bool = False, full: bool = False) -> None:
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


def run_flow(flow: Path, *, input: str | None = None, param: list[str] | None = None, break_at: str | None = None,
             full: bool = False, mocks: str | None = None, quiet: bool = False, table: bool = False,
             virtual_clock: bool = False, no_cache: bool = False) -> int:
    """Run the flow file ``flow`` as ``flowctl run`` does (the options are its options); the exit
    code: 0, 1 when the run did not succeed, :data:`INTERRUPTED_EXIT` when it was interrupted.
    Bad input raises a FlowctlError."""
    param = param or []
    from orchestrator.flowlang.project import Project
    from orchestrator.local.runner import LocalRunner

    project = Project.for_flow(flow)
    cached = not no_cache and break_at is None and mocks is None and not _cache_disabled()
    compiled, params = _compile(flow, project, input, param, cached)
    mock_doc = parse_json_arg(mocks, "--mocks")
    if mock_doc is not None and not isinstance(mock_doc, dict):
        raise FlowctlError("--mocks must be a JSON object keyed by node id")
    if mock_doc:
        _check_mocks(compiled.flow, mock_doc)
    store = local_store(project.root)
    progress = Progress(list(compiled.flow.nodes), enabled=not quiet and err.is_terminal)
    clock = None
    if virtual_clock:
        from orchestrator.engine import VirtualClock

        clock = VirtualClock()
    runner = LocalRunner(project, store, on_node=progress, clock=clock)
    # node functions run in the project root, wherever flowctl runs
    with project_workdir(project.root), signals_interrupt():
        result = run_with_progress(progress, lambda: runner.run(compiled, params, break_at=break_at, mocks=mock_doc))
    print_result(result, as_table=table, full=full)
    if result.interrupted:
        return INTERRUPTED_EXIT
    return 0 if result.breakpoint is not None or result.status == "SUCCEEDED" else 1

def _cache_disabled() -> bool:
    from orchestrator.constants import FLOWCTL_NO_COMPILE_CACHE

    return os.environ.get(FLOWCTL_NO_COMPILE_CACHE, "") not in ("", "0")

def _run_params(flow: Any, input: str | None, pairs: list[str]) -> dict[str, Any]:
    from orchestrator.flowlang.params import coerce_param_assignments

    params = parse_json_arg(input, "--input") or {}
    if not isinstance(params, dict):
        raise FlowctlError("--input must be a JSON object of parameters")
    params.update(coerce_param_assignments(flow, pairs))
    return params

def _compile(path: Path, project: Any, input: str | None, pairs: list[str], cached: bool) -> tuple[Any, dict[str, Any]]:
    """The compiled flow and the run's parameters: from the compile cache when its entry holds
    and the parameters are valid; otherwise compiled in full (and cached when ``cached``), so
    that every error is reported exactly as without the cache."""
    if not cached:
        from orchestrator.compiler import compile_flow_file

        compiled = compile_flow_file(path)
        return compiled, _run_params(compiled.flow, input, pairs)
    from orchestrator.local.compile_cache import cache_dir, compile_and_cache, load_cached

    folder = cache_dir(project.root, os.environ)
    hit = load_cached(path, folder)
    if hit is not None:
        from orchestrator.flowlang.params import resolve_params

        try:
            params = _run_params(hit.flow, input, pairs)
            resolve_params(hit.flow, params)
            return hit, params
        except FlowctlError:
            pass  # the full path below reports it, word for word
    compiled = compile_and_cache(path, project, folder)
    return compiled, _run_params(compiled.flow, input, pairs)

class _Signalled(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled like Ctrl-C: the run ends ABORTED and redrivable."""

@contextlib.contextmanager
def signals_interrupt() -> Any:
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

def run_with_progress(progress: Progress, start: Any) -> Any:
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

