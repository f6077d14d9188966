"""One line of console markup as rich writes it to a pipe or a file, without importing rich.

Importing rich's console costs about as much as the rest of ``flowctl run`` of a small flow,
and to a pipe, a file or CI's log rich writes a line of markup as its bare text. :func:`plain_line`
gives that text for the lines whose rendering is certain: printable ASCII without ``:`` (rich
would read ``:name:`` as an emoji), ``\\`` (escapes) or tags other than the colour and emphasis
styles flowctl uses, each closed tag open. :func:`plain_stream` says whether rich would see a
terminal. For anything else both answer None or False and the caller asks rich.

Example::

    >>> plain_line("[green]SUCCEEDED[/] run [bold]r-1[/]")
    'SUCCEEDED run r-1'
    >>> plain_line("see :warning:") is None
    True
"""

from __future__ import annotations

import builtins
import os
import re
import sys
from typing import IO, Any

__all__ = ["plain_line", "plain_stream"]

_TAGS = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")  # what rich reads as a tag
_STYLE_WORDS = frozenset({"bold", "dim", "italic", "underline", "red", "green", "yellow", "blue", "magenta", "cyan", "white"})
_TERMINAL_ENV = ("FORCE_COLOR", "TTY_COMPATIBLE")  # rich decides "terminal" from these before isatty()


def _printable_ascii(text: str) -> bool:
    return text.isascii() and text.isprintable() and ":" not in text and "\\" not in text


def plain_line(markup: str, *, markup_enabled: bool = True) -> str | None:
    """The text rich prints for ``markup`` when colours are off, or None when not certain."""
    if not _printable_ascii(markup):
        return None
    if not markup_enabled or "[" not in markup:
        return markup
    pieces: list[str] = []
    open_tags: list[str] = []
    position = 0
    for match in _TAGS.finditer(markup):
        pieces.append(markup[position:match.start()])
        position = match.end()
        name = match.group(3)
        if name.startswith("/"):
            closed = name[1:]
            if not closed:
                if not open_tags:
                    return None  # rich: "closing tag '[/]' has nothing to close"
                open_tags.pop()
            elif closed in open_tags:
                open_tags.reverse()
                open_tags.remove(closed)  # the innermost tag of that name, as rich pops it
                open_tags.reverse()
            else:
                return None
        elif all(word in _STYLE_WORDS for word in name.split(" ")):
            open_tags.append(name)
        else:
            return None
    pieces.append(markup[position:])
    return "".join(pieces)


def plain_stream(stderr: bool) -> IO[str] | None:
    """sys.stderr (or sys.stdout) when rich would write plain text to it (not a terminal, no
    colour forced, not a notebook), else None."""
    if any(name in os.environ for name in _TERMINAL_ENV) or hasattr(builtins, "get_ipython"):
        return None
    stream: Any = sys.stderr if stderr else sys.stdout
    stream = getattr(stream, "rich_proxied_file", stream)
    if stream is None or getattr(sys.stdin, "__module__", "").startswith("idlelib"):
        return None
    try:
        return None if stream.isatty() else stream  # type: ignore[no-any-return]
    except (AttributeError, ValueError):
        return None
