"""Project commands: ``init`` (scaffold a project) and ``events sample`` (a node's recorded
payload as a ``sam local invoke`` event)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from orchestrator.cli.app import app, out, report_errors
from orchestrator.cli.local import _project_root, events_app, local_store
from orchestrator.errors import FlowctlError, Problem

__all__ = ["init", "events_sample"]

NEXT_STEPS = """next:
  cd {where}
  flowctl run flows/hello.json -p name=Ada
  flowctl run flows/word-stats.json
  pytest
  flowctl synth && sam build && sam deploy --guided"""


@app.command()
@report_errors
def init(
    directory: Path = typer.Argument(Path("."), help="Project folder (created if missing; default: here)."),
    force: bool = typer.Option(False, "--force", help="Overwrite the project's files that exist already."),
) -> None:
    """Scaffold a project: flows/, functions/, events/, tests/, samconfig.toml, .gitignore, README."""
    from orchestrator.scaffold import init_project

    written = init_project(directory, force=force)
    root = directory.resolve()
    for path in written:
        out.print(f"wrote {path.relative_to(root)}")
    out.print(f"[green]✓[/] flowctl project in {root}")
    out.print(NEXT_STEPS.format(where=directory))


def recorded_payload(run: Any, node: str, index: int | None = None) -> dict[str, Any]:
    """The Lambda payload (``{"input", "params", "context"}``) node ``node`` received in ``run``:
    of item ``index`` for a foreach node (default: the first recorded), its last attempt."""
    steps = [s for s in run.steps if s.node == node or s.node.startswith(f"{node}/")]
    if not steps:
        nodes = ", ".join(sorted({s.node.split("/")[0] for s in run.steps})) or "none recorded"
        raise FlowctlError(f"run '{run.run_id}' has no node '{node}'",
                           [Problem("--node", f"'{node}' is not a node of the run", f"its nodes: {nodes}")])
    called = [s for s in steps if isinstance(s.output, dict) and isinstance(s.output.get("context"), dict)]
    if not called:
        omitted = [s.output["bytes"] for s in steps if isinstance(s.output, dict) and s.output.get("$omitted")]
        if omitted:
            raise FlowctlError(
                f"run '{run.run_id}': node '{node}' was recorded without its payload: its input and output "
                f"({max(omitted):,} bytes) were too large to keep",
                [Problem("--node", "no payload recorded", "run the flow on smaller data to sample its events")])
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
    store = local_store(_project_root("events sample"))
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
