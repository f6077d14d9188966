"""Where the CLI writes: ``out`` (results) and ``err`` (status, errors), and how a flowctl error
reads on the terminal. Every command module imports these from here; nothing here imports a
command module.

Errors are printed from their fields (``headline``, ``hint``, ``problems``), never by parsing
``str(exc)``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from orchestrator.cli.literal import lit
from orchestrator.errors import FlowctlError, Problem

__all__ = ["err", "out", "print_error", "report_errors"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
for _console in (out, err):
    if not _console.is_terminal:  # pipes and CI: wide enough that ids and tables are not cut
        _console.width = 200

F = TypeVar("F", bound=Callable[..., Any])


def report_errors(func: F) -> F:
    """Turn flowctl errors into a readable message and exit code 1 (never a traceback)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            _check_arguments(kwargs)
            return func(*args, **kwargs)
        except FlowctlError as exc:
            print_error(exc)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _check_arguments(arguments: dict[str, Any]) -> None:
    """Refuse arguments that are not valid UTF-8 (the shell hands them over as lone surrogates)."""
    for name, value in arguments.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, str | Path):
                text = str(item)
                if not text.isascii():
                    try:
                        text.encode("utf-8")
                    except UnicodeEncodeError:
                        option = name.replace("_", "-")
                        raise FlowctlError(f"argument {option!r} is not valid UTF-8: {text.encode('utf-8', 'backslashreplace').decode()[:100]}") from None


def _print_problem(problem: Problem) -> None:
    err.print(f"  [red]✗[/] [bold]{lit(problem.where or '/')}[/]: {lit(problem.message)}")
    if problem.hint:
        err.print(f"      [dim]hint: {lit(problem.hint)}[/]")


def print_error(exc: FlowctlError) -> None:
    """``error: <headline>``, then its hint, or each of its problems when it has several."""
    own = exc.problems == [Problem(exc.where, exc.message, exc.hint)]
    if exc.where and own and exc.headline == f"{exc.where}: {exc.message}":
        err.print(f"[bold red]error[/]: [bold]{lit(exc.where)}[/]: {lit(exc.message)}")
    else:
        err.print(f"[bold red]error[/]: {lit(exc.headline)}")
    if own or not exc.problems:
        if exc.hint:
            err.print(f"      [dim]hint: {lit(exc.hint)}[/]")
        return
    for problem in exc.problems:
        _print_problem(problem)
