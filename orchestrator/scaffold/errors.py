"""Errors of ``flowctl init``."""

from __future__ import annotations

from orchestrator.errors import FlowctlError

__all__ = ["ScaffoldError"]


class ScaffoldError(FlowctlError):
    """The project folder cannot be scaffolded as asked."""
