"""Errors of :mod:`orchestrator.io`: one base class, one subclass per thing a caller can fix."""

from __future__ import annotations

from orchestrator.errors import FlowctlError

__all__ = ["ObjectNotFoundError", "StorageError"]


class StorageError(FlowctlError):
    """A file or S3 object cannot be read or written (permissions, bad URI, S3 error).

    ``where`` is the file path or ``s3://`` URI (also as ``uri``).
    """

    @property
    def uri(self) -> str:
        return self.where


class ObjectNotFoundError(StorageError):
    """The file or S3 object does not exist."""
