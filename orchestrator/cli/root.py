"""The root options of ``flowctl`` (``--version``, ``-C``): the callback of the app that
:func:`orchestrator.cli.app.build_app` assembles."""

from __future__ import annotations

from pathlib import Path

import typer

from orchestrator import __version__

__all__ = ["root_options"]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flowctl {__version__}")
        raise typer.Exit()


def root_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
    directory: Path | None = typer.Option(
        None, "-C", "--directory", help="Run as if flowctl was started in this folder (as `git -C`)."),
) -> None:
    """flowctl: flows as data, compiled to Step Functions, run locally with AWS's semantics."""
    if directory is not None:
        import os

        try:
            os.chdir(directory)
        except OSError as exc:
            from orchestrator.cli.console import err

            err.print(f"error: -C {directory}: {exc.strerror}", markup=False)
            raise typer.Exit(1) from None
