"""Literal printing: text from users, flows, runs and errors is never read as console markup.

Rich reads ``[red]``, ``[b]`` and ``[a-z]`` as markup; a regex pattern, a JSONata hint such as
``$a[type]`` or a Fail cause would lose its square brackets. Every value interpolated into a
marked-up message goes through :func:`lit`; table cells go through :func:`cell`.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.text import Text

__all__ = ["cell", "lit"]


def lit(value: Any) -> str:
    """``value`` as text, escaped so that rich prints it exactly."""
    return escape(str(value))


def cell(value: Any) -> Text:
    """A table cell that shows ``value`` exactly (no markup, no highlighting)."""
    return Text(str(value))
