"""``init``: scaffold a flowctl project."""

from __future__ import annotations

from pathlib import Path

import typer

from orchestrator.cli.console import out, report_errors

__all__ = ["commands", "init"]

commands = typer.Typer()

NEXT_STEPS = """next:
  cd {where}
  flowctl run flows/hello.json -p name=Ada
  flowctl run flows/word-stats.json
  pytest
  flowctl synth && sam build && sam deploy --guided"""


@commands.command()
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
