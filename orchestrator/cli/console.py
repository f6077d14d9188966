"""Where the CLI writes: ``out`` (results) and ``err`` (status, errors), and how a flowctl error
reads on the terminal. Every command module imports these from here; nothing here imports a
command module.

Errors are printed from their fields (``headline``, ``hint``, ``problems``), never by parsing
``str(exc)``.

``out`` and ``err`` are rich consoles created on first need: a line of plain text to a pipe or
a file (a run's status line) is written without importing rich (:mod:`orchestrator.cli.plain`),
exactly as rich would write it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from orchestrator.cli.literal import lit
from orchestrator.cli.plain import plain_line, plain_stream
from orchestrator.errors import FlowctlError, Problem

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["LazyConsole", "check_arguments", "err", "out", "print_error", "report_errors"]


class LazyConsole:
    """A rich ``Console(highlight=False, soft_wrap=True)`` on stdout or stderr, 200 columns wide
    when it is not a terminal (pipes and CI: ids and tables are not cut), created on first use
    of anything but a plain line."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        """The rich console itself (for ``Live(console=...)`` and the like)."""
        if self._console is None:
            from rich.console import Console

            console = Console(stderr=self._stderr, highlight=False, soft_wrap=True)
            if not console.is_terminal:
                console.width = 200
            self._console = console
        return self._console

    @property
    def is_terminal(self) -> bool:
        if self._console is None and plain_stream(self._stderr) is not None:
            return False
        return self.console.is_terminal

    def print(self, *objects: Any, **options: Any) -> None:
        """``Console.print``; a single line of plain text to a pipe or file goes straight there."""
        if self._console is None and len(objects) == 1 and isinstance(objects[0], str) and set(options) <= {"markup"}:
            stream = plain_stream(self._stderr)
            text = plain_line(objects[0], markup_enabled=options.get("markup", True) is not False)
            if stream is not None and text is not None:
                stream.write(text + "\n")
                stream.flush()
                return
        self.console.print(*objects, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


out = LazyConsole()
err = LazyConsole(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def report_errors(func: F) -> F:
    """Turn flowctl errors into a readable message and exit code 1 (never a traceback)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            check_arguments(kwargs)
            return func(*args, **kwargs)
        except FlowctlError as exc:
            import typer  # already loaded: the command runs in typer

            print_error(exc)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def check_arguments(arguments: dict[str, Any]) -> None:
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
