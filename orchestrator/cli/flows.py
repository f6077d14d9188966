"""Flow commands: ``validate``, ``compile``, ``graph``, ``generate``, ``synth``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from orchestrator.cli.console import LazyConsole, err, out, print_error, report_errors
from orchestrator.cli.literal import cell, lit
from orchestrator.errors import FlowctlError

__all__ = ["commands", "print_report"]

commands = typer.Typer()


@commands.command()
def validate(
    flows: list[Path] = typer.Argument(None, help="Flow files (JSON or YAML). Default: every flow of the project's flows/."),
) -> None:
    """Check flows and report every problem with its JSON pointer and a hint."""
    from orchestrator.compiler.validate import validate_flow_file

    if not flows:
        flows = _project_flows()
    failed = 0
    for path in flows:
        try:
            flow = validate_flow_file(path)
        except FlowctlError as exc:
            failed += 1
            print_error(exc)
        else:
            count = len(flow.nodes)
            out.print(f"[green]✓[/] {lit(path)}: flow '{lit(flow.name)}' is valid ({count} node{'' if count == 1 else 's'})")
    if failed:
        raise typer.Exit(1)

def _project_flows() -> list[Path]:
    """Every flow file of the project around the working directory (``flowctl validate`` alone)."""
    from orchestrator.flowlang.project import Project, find_project_root

    root = find_project_root(Path.cwd())
    found = Project(root).flow_paths() if root is not None else []
    if not found:
        where = f"{root / 'flows'}" if root is not None else str(Path.cwd())
        print_error(FlowctlError("no flow files to validate", where=where,
                                 hint="name the flow files (flowctl validate flows/my-flow.json), or run it in a project made by flowctl init"))
        raise typer.Exit(1)
    cwd = Path.cwd()
    return [p.relative_to(cwd) if p.is_relative_to(cwd) else p for p in found]


def print_report(console: LazyConsole, data: dict[str, Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"flow {lit(data['flow'])}", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("type", cell(f"{data['type']} — {'; '.join(data['type_reasons'])}"))
    table.add_row("states", str(data["states"]))
    table.add_row("worst-case transitions / run", str(data["worst_case_transitions"]))
    flag = " [red](over the 25,000 limit)[/]" if data["history_over_limit"] else ""
    table.add_row("history events / run", f"{lit(data['history_events'])}{flag}")
    table.add_row("estimated duration", f"{data['estimated_seconds']} s")
    cost = data["cost_per_million_runs_usd"]
    table.add_row("cost / million runs", f"Standard ${cost['standard']:,.2f} · Express ${cost['express']:,.2f}")
    table.add_row("payload risks", cell("\n".join(data["payload_risks"]) or "none"))
    size_flag = " [red](over Step Functions' 1 MB limit)[/]" if data.get("definition_over_limit") else ""
    table.add_row("definition size", f"{data.get('definition_bytes', 0):,} bytes{size_flag}")
    if data.get("warnings"):
        table.add_row(Text("warnings", style="red"), Text("\n".join(data["warnings"])))
    for node_id, how in data.get("foreach_results", {}).items():
        table.add_row(cell(f"foreach {node_id}"), cell(how))
    if data["added_sync_edges"]:
        table.add_row("sync edges added", cell(", ".join(f"{a} → {b}" for a, b in data["added_sync_edges"])))
    table.add_row("assumptions", cell(data["assumptions"]))
    console.print(table)

@commands.command()
@report_errors
def compile(
    flow: Path = typer.Argument(..., help="Flow file."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the ASL here instead of stdout."),
    report: bool = typer.Option(False, "--report", help="Print states, transitions, history events, payload risks and cost."),
    report_json: bool = typer.Option(False, "--report-json", help="Print the report as JSON."),
    type_: str | None = typer.Option(None, "--type", help="Force STANDARD or EXPRESS."),
    items: int = typer.Option(100, "--items", help="Items per foreach assumed by the report."),
) -> None:
    """Compile a flow to Amazon States Language (JSONata)."""
    from orchestrator.compiler import asl_text, compile_flow_file

    if type_ is not None and type_.upper() not in ("STANDARD", "EXPRESS"):
        raise FlowctlError(f"--type must be STANDARD or EXPRESS, not {type_!r}")
    compiled = compile_flow_file(flow, type_override=type_.upper() if type_ else None, items=items)
    text = asl_text(compiled.definition)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
        out.print(f"[green]✓[/] wrote {lit(output)} ({lit(compiled.type)}, {compiled.report.states} states)")
    else:
        sys.stdout.write(text)
    console = out if output is not None else err
    for source, edges in compiled.build.added_edges.items():
        err.print(f"[yellow]note[/]: {lit(source)} is not series-parallel; added sync edges: " + ", ".join(f"{lit(a)} → {lit(b)}" for a, b in edges))
    if report_json:
        console.print_json(json.dumps(compiled.report.as_dict()))
    elif report:
        print_report(console, compiled.report.as_dict())

@commands.command()
@report_errors
def graph(
    flow: Path = typer.Argument(..., help="Flow file."),
    format: str = typer.Option("mermaid", "--format", "-f", help="mermaid or dot."),
) -> None:
    """Draw a flow as Mermaid or Graphviz DOT."""
    from orchestrator.compiler import compile_flow_file
    from orchestrator.render.graph import to_dot, to_mermaid

    if format not in ("mermaid", "dot"):
        raise FlowctlError(f"--format must be mermaid or dot, not {format!r}")
    compiled = compile_flow_file(flow)
    added = compiled.build.added_edges.get(compiled.flow.name, [])
    sys.stdout.write(to_mermaid(compiled.flow, added) if format == "mermaid" else to_dot(compiled.flow, added))

@commands.command()
@report_errors
def generate(
    project_dir: Path = typer.Option(Path("."), "--project", help="Project folder (holds flows/ and functions/)."),
    check: bool = typer.Option(False, "--check", help="Only report stale files; exit 1 if any."),
) -> None:
    """Regenerate every generated file: the flow JSON Schema, statemachines/, template.yaml."""
    from orchestrator.generate import generate_all

    changed = generate_all(project_dir, check=check)
    for path in changed:
        out.print(f"{'stale' if check else 'wrote'} {lit(path)}")
    if not changed:
        out.print("[green]✓[/] generated files are current")
    if check and changed:
        raise typer.Exit(1)

@commands.command()
@report_errors
def synth(
    project_dir: Path = typer.Option(Path("."), "--project", help="Project folder (holds flows/ and functions/)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Where to write (default: <project>/template.yaml)."),
) -> None:
    """Write the SAM template (template.yaml) and statemachines/ for every flow."""
    from orchestrator.deploy.synth import write_template
    from orchestrator.flowlang.project import Project
    from orchestrator.generate import generate_all

    project = Project(project_dir.resolve())
    if not project.flow_paths():
        raise FlowctlError(f"no flows in {project.flows_dir}", problems=[])
    for path in generate_all(project.root):
        out.print(f"wrote {lit(path)}")
    target = write_template(project, output)
    out.print(f"[green]✓[/] {lit(target)} is current ({len(project.flow_paths())} flows)")
