"""``flowctl functions list|show``: the project's node functions and their typed contracts."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from orchestrator.cli.app import app, out, report_errors
from orchestrator.errors import FlowctlError, Problem

__all__ = ["functions_app"]

functions_app = typer.Typer(help="Node functions and their input/output schemas.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(functions_app, name="functions")

_PROJECT = typer.Option(None, "--project", help="Project folder (default: found from the current folder, like git).")


def _project(project_dir: Path | None):  # type: ignore[no-untyped-def]
    from orchestrator.flowlang.project import Project, find_project_root

    root = project_dir.resolve() if project_dir is not None else find_project_root(Path.cwd())
    if root is None or not (root / "functions").is_dir():
        where = root or Path.cwd()
        message = f"no functions/ folder in {where}"
        raise FlowctlError(f"{where}: {message}", [Problem(str(where), message, "run it inside a flowctl project, or pass --project")])
    return Project(root)


def _fields(schema: dict | None) -> str:  # type: ignore[type-arg]
    if not schema:
        return "-"
    required = set(schema.get("required", []))
    return ", ".join(f"{name}{'' if name in required else '?'}" for name in schema.get("properties", {})) or "-"


@functions_app.command("list")
@report_errors
def list_functions(
    project_dir: Path | None = _PROJECT,
    as_json: bool = typer.Option(False, "--json", help="Print every function with its schemas as JSON."),
) -> None:
    """List the node functions of the project with their description and fields (? = optional)."""
    from orchestrator.flowlang.functions import load_functions

    infos = load_functions(_project(project_dir))
    if as_json:
        typer.echo(json.dumps([info.as_dict() for info in infos], indent=2))
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("function", "description", "input", "output"):
        table.add_column(column)
    for info in infos:
        table.add_row(Text(info.name), Text(info.error or info.summary), Text(_fields(info.input_schema)), Text(_fields(info.output_schema)))
    out.print(table)


@functions_app.command("show")
@report_errors
def show_function(
    name: str = typer.Argument(..., help="Function name (its folder under functions/)."),
    project_dir: Path | None = _PROJECT,
    as_json: bool = typer.Option(False, "--json", help="Print the description and schemas as JSON."),
) -> None:
    """Show a function's description and its input and output JSON Schema."""
    import difflib

    from orchestrator.flowlang.functions import load_function

    project = _project(project_dir)
    info = load_function(project, name)
    if info is None:
        close = difflib.get_close_matches(name, project.function_names(), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(project.function_names()) or 'none'}"
        where = f"functions/{name}"
        message = f"no function '{name}' in {project.functions_dir}"
        raise FlowctlError(f"{where}: {message}", [Problem(where, message, hint)])
    if as_json:
        typer.echo(json.dumps(info.as_dict(), indent=2))
        return
    out.print(Text(info.name, style="bold"))
    out.print(Text(info.description or "(no description)"))
    if info.error:
        out.print(Text(f"warning: {info.error}", style="yellow"))
    for title, schema in (("input", info.input_schema), ("output", info.output_schema)):
        out.print(Text(f"\n{title} schema:", style="bold"))
        out.print(Text(json.dumps(schema, indent=2) if schema else "(not declared: add a pydantic model to @node)"))
