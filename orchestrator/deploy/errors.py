"""Errors of :mod:`orchestrator.deploy`: a step of building, packaging or rehearsing a deploy failed."""

from __future__ import annotations

from orchestrator.errors import FlowctlError

__all__ = ["DeployError"]


class DeployError(FlowctlError):
    """A deploy step failed; the message says which and why, ``hint`` what to do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(f"{message}\n  hint: {hint}" if hint else message)
        self.hint = hint
