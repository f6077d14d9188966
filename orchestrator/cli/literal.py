"""Literal printing: text from users, flows, runs and errors is never read as console markup.

Rich reads ``[red]``, ``[b]`` and ``[a-z]`` as markup; a regex pattern, a JSONata hint such as
``$a[type]`` or a Fail cause would lose its square brackets. Every value interpolated into a
marked-up message goes through :func:`lit`; table cells go through :func:`cell`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

__all__ = ["cell", "lit"]


def lit(value: Any) -> str:
    """``value`` as text, escaped so that rich prints it exactly."""
    text = str(value)
    if "[" not in text and not text.endswith("\\"):  # nothing rich's escape would change
        return text
    from rich.markup import escape

    return escape(text)


def cell(value: Any) -> Text:
    """A table cell that shows ``value`` exactly (no markup, no highlighting)."""
    from rich.text import Text

    return Text(str(value))
