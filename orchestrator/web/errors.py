"""Errors of the dashboard and builder pages."""

from __future__ import annotations

from orchestrator.errors import FlowctlError

__all__ = ["BuilderError"]


class BuilderError(FlowctlError):
    """The builder refuses to write: a bad name, an existing file, an invalid flow."""
