"""The one error hierarchy of flowctl. Every error a user can cause derives from FlowctlError.

Each error carries *where* (a JSON pointer, a file:line:col, or a state name) and *what to do*.
"""

from __future__ import annotations

__all__ = ["FlowctlError", "Problem"]

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in user input: where it is, what is wrong, and a hint to fix it."""

    where: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.where or '/'}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class FlowctlError(Exception):
    """Base class of every flowctl error. ``problems`` lists each finding when there are many."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems or [])
