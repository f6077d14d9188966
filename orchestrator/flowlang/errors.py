"""Errors of the flow language: every problem carries a JSON pointer (or file:line:col) and a hint."""

from __future__ import annotations

from orchestrator.errors import FlowctlError, Problem

__all__ = ["FlowLoadError", "FlowValidationError", "Problem"]


class FlowValidationError(FlowctlError):
    """A flow is invalid; ``problems`` lists every finding (all of them, not only the first)."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{lines}", problems)
        self.source = source


class FlowLoadError(FlowValidationError):
    """A flow file cannot be read or parsed (missing file, invalid JSON/YAML with line and column)."""
