"""Errors of the node runtime (what runs inside a node Lambda)."""

from __future__ import annotations

from orchestrator.errors import FlowctlError

__all__ = ["AggregationError", "OutputNotJsonError", "PayloadError"]


class OutputNotJsonError(FlowctlError):
    """A node function returned a value that is not JSON (Step Functions only carries JSON).
    The error name Step Functions sees is this class's name."""


class AggregationError(FlowctlError):
    """Aggregated foreach results cannot be written or read (no run store, bad reference)."""


class PayloadError(FlowctlError):
    """An offloaded payload cannot be read (missing object or file, unknown scheme)."""
