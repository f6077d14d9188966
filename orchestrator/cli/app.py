"""The ``flowctl`` command line. Errors in user input print a clear message and exit 1."""

from __future__ import annotations

import typer

from orchestrator import __version__

__all__ = ["app", "main"]

app = typer.Typer(
    name="flowctl",
    help="Serverless flow orchestrator for AWS: validate, compile, run locally, deploy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flowctl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """flowctl: flows as data, compiled to Step Functions, run locally with AWS's semantics."""


def main() -> None:
    """Console-script entry point."""
    app()
