"""Errors of the flow language: every problem carries a JSON pointer (or file:line:col) and a hint."""

from __future__ import annotations

from orchestrator.errors import FlowctlError, Problem

__all__ = ["FlowLoadError", "FlowValidationError", "PatternError", "Problem"]


class FlowValidationError(FlowctlError):
    """A flow is invalid; ``problems`` lists every finding (all of them, not only the first);
    ``where`` is the flow file (the headline is ``<file>: <n> problem(s)``)."""

    def __init__(self, message: str = "", *, where: str, problems: list[Problem], hint: str = "") -> None:
        super().__init__(message or f"{len(problems)} problem(s)", where=where, hint=hint, problems=problems)

    @property
    def source(self) -> str:
        """The flow file (or ``--param``, or the flow's name) the problems are in."""
        return self.where

    def render(self) -> str:
        return "\n".join([self.headline, *(f"  {p}" for p in self.problems)])


class FlowLoadError(FlowValidationError):
    """A flow file cannot be read or parsed (missing file, invalid JSON/YAML with line and column)."""


class PatternError(FlowctlError):
    """An event pattern EventBridge would refuse (``InvalidEventPatternException``)."""
