"""Errors of :mod:`orchestrator.deploy`: a step of building, packaging or rehearsing a deploy failed."""

from __future__ import annotations

from orchestrator.errors import FlowctlError

__all__ = ["DeployError"]


class DeployError(FlowctlError):
    """A deploy step failed; ``message`` says which and why, ``hint`` what to do about it.

    ``str(exc)`` ends with the hint on its own line (a deploy log shows it under the failure).
    """

    def render(self) -> str:
        return f"{self.headline}\n  hint: {self.hint}" if self.hint else self.headline
