"""GIVEN a line of console markup WHEN flowctl writes it to a pipe without rich THEN the bytes are
those rich writes; a line whose rendering is not certain is left to rich."""

from __future__ import annotations

import io
import itertools
from typing import Any

import pytest
from rich.console import Console

from orchestrator.cli.console import LazyConsole
from orchestrator.cli.literal import lit
from orchestrator.cli.plain import plain_line, plain_stream

PIECES = ["", "run", " ", "a b", "[green]", "[bold red]", "[dim]", "[/]", "[/green]", "[/bold red]", "[red]",
          "[yellow]", "[1, 2]", "[", "]", "x[y", "[link=x]", "[@click]", "[#ff0000]", "[/nope]", "[notastyle]",
          ":smile:", "a:b", "\\", "\\[red]", "tab\there", "é", "✓", "\r", "line\nline", "  ", "[b]", "[bold]"]


def _rich(text: str, **options: Any) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, highlight=False, soft_wrap=True)
    console.width = 200
    console.print(text, **options)
    return buffer.getvalue()


def _cases() -> list[str]:
    return ["".join(parts) for size in (1, 2) for parts in itertools.product(PIECES, repeat=size)]


def test_every_line_it_writes_is_what_rich_writes() -> None:
    certain = 0
    for markup in _cases():
        for enabled in (True, False):
            text = plain_line(markup, markup_enabled=enabled)
            if text is None:
                continue
            certain += 1
            assert text + "\n" == _rich(markup, markup=enabled), (markup, enabled)
    assert certain > 300


@pytest.mark.parametrize(("markup", "expected"), [
    ("[green]SUCCEEDED[/] run [bold]liteflow-hello-1[/]", "SUCCEEDED run liteflow-hello-1"),
    ("[bold red]error[/]: x", None),       # ':' may start an emoji code: rich decides
    ("[/] nothing open", None),           # rich raises a MarkupError
    ("[red]x[/green]", None),
    ("[link=https://x]x[/link]", None),
    ("café", None),
    (lit("value [red] here"), None),      # escaped markup keeps its backslash: rich decides
])
def test_what_it_is_sure_of(markup: str, expected: str | None) -> None:
    assert plain_line(markup) == expected


def test_it_writes_to_a_pipe_only_when_rich_would_see_no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    pipe = io.StringIO()
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    monkeypatch.setattr("sys.stderr", pipe)
    assert plain_stream(stderr=True) is pipe
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert plain_stream(stderr=True) is None
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setattr("sys.stderr", Tty())
    assert plain_stream(stderr=True) is None


def test_the_lazy_console_prints_plain_lines_itself_and_the_rest_through_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stdout", pipe)
    console = LazyConsole()
    console.print("[green]✓[/] done")       # not ASCII: through rich
    assert console._console is not None
    fresh = LazyConsole()
    fresh.print("[green]ok[/] done")
    assert fresh._console is None and not fresh.is_terminal
    assert pipe.getvalue() == "✓ done\nok done\n"
    assert fresh.width == 200 and fresh._console is not None  # anything else: rich's console, as before
