"""The ``flowctl`` command line: the root Typer app, assembled from the command modules.

Layout (imports go one way, down this list):

* ``app`` — this module: the root app, ``--version``, ``-C``, and which module holds which command;
* command modules — ``flows`` (validate, compile, graph, generate, synth), ``run`` (run, redrive),
  ``asl``, ``runs``, ``events``, ``functions``, ``project`` (init), ``deploy``, ``serve``
  (serve, schedules, backfill): each has a ``commands`` Typer the app merges;
* ``console`` (out, err, error reporting), ``context`` (project, local store, JSON arguments),
  ``literal``, ``local_view``: what the command modules share.

``main`` imports only the module of the command it runs, so ``flowctl run`` does not pay for
the deploy or serve code; ``app`` (the whole CLI, for help and tests) is built on first use.
Errors in user input print a clear message and exit 1.
"""

from __future__ import annotations

import sys
from importlib import import_module
from pathlib import Path
from typing import Any

import typer

from orchestrator import __version__

__all__ = ["COMMAND_MODULES", "app", "build_app", "main"]

COMMAND_MODULES: dict[str, str] = {
    "validate": "flows",
    "compile": "flows",
    "graph": "flows",
    "generate": "flows",
    "synth": "flows",
    "deploy": "deploy",
    "functions": "functions",
    "run": "run",
    "asl": "asl",
    "runs": "runs",
    "events": "events",
    "redrive": "run",
    "init": "project",
    "serve": "serve",
    "schedules": "serve",
    "backfill": "serve",
}
"""Top-level command → the module of ``orchestrator.cli`` that defines it (help lists them in
the order of their modules here)."""

_ROOT_OPTIONS_WITH_VALUE = ("-C", "--directory")

app: typer.Typer
"""The whole CLI (every command), built on first use by the module's ``__getattr__``."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flowctl {__version__}")
        raise typer.Exit()


def _root(
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


def build_app(command: str | None = None) -> typer.Typer:
    """The root app with the commands of ``command``'s module (every command when None or unknown)."""
    root = typer.Typer(
        name="flowctl",
        help="Serverless flow orchestrator for AWS: validate, compile, run locally, deploy.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    root.callback()(_root)
    wanted = [COMMAND_MODULES[command]] if command in COMMAND_MODULES else COMMAND_MODULES.values()
    for name in dict.fromkeys(wanted):
        root.add_typer(import_module(f"orchestrator.cli.{name}").commands)
    return root


def command_of(argv: list[str]) -> str | None:
    """The command a command line names (its first word that is not a root option), if any."""
    words = iter(argv)
    for word in words:
        if word in _ROOT_OPTIONS_WITH_VALUE:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main() -> None:
    """Console-script entry point."""
    build_app(command_of(sys.argv[1:]))()


def __getattr__(name: str) -> Any:
    """``app``: the whole CLI (every command), built on first use."""
    if name == "app":
        whole = build_app()
        globals()["app"] = whole
        return whole
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
