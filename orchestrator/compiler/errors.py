"""Errors of the compiler (a flow that validated but cannot be compiled, e.g. a sub-flow cycle)."""

from __future__ import annotations

from orchestrator.errors import FlowctlError

__all__ = ["CompileError"]


class CompileError(FlowctlError):
    """The flow cannot be compiled; ``where`` is a JSON pointer into the flow.

    ``CompileError("sub-flow cycle: a → b → a", where="/nodes/x/flow", hint="...")``
    """
