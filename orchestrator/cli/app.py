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
A plain ``flowctl run`` (options :mod:`orchestrator.cli.run_argv` reads exactly as typer does)
runs without loading typer at all; any other command line goes through typer.
Errors in user input print a clear message and exit 1.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

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


def build_app(command: str | None = None) -> typer.Typer:
    """The root app with the commands of ``command``'s module (every command when None or unknown)."""
    import typer

    from orchestrator.cli.root import root_options

    root = typer.Typer(
        name="flowctl",
        help="Serverless flow orchestrator for AWS: validate, compile, run locally, deploy.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    root.callback()(root_options)
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
    command = command_of(sys.argv[1:])
    if command == "run":
        from orchestrator.cli.run_argv import run_plain

        code = run_plain(sys.argv[1:])
        if code is not None:
            sys.exit(code)
    build_app(command)()


def __getattr__(name: str) -> Any:
    """``app``: the whole CLI (every command), built on first use."""
    if name == "app":
        whole = build_app()
        globals()["app"] = whole
        return whole
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
