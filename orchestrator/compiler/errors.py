"""Errors of the compiler (a flow that validated but cannot be compiled, e.g. a sub-flow cycle)."""

from __future__ import annotations

from orchestrator.errors import FlowctlError, Problem

__all__ = ["CompileError"]


class CompileError(FlowctlError):
    """The flow cannot be compiled; ``where`` is a JSON pointer into the flow."""

    def __init__(self, where: str, message: str, hint: str = "") -> None:
        super().__init__(f"{where}: {message}", [Problem(where, message, hint)])
        self.where = where
