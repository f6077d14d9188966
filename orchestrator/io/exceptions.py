"""Errors of :mod:`orchestrator.io`: one base class, one subclass per thing a caller can fix."""

from __future__ import annotations

from orchestrator.errors import FlowctlError, Problem

__all__ = ["ObjectNotFoundError", "StorageError"]


class StorageError(FlowctlError):
    """A file or S3 object cannot be read or written (permissions, bad URI, S3 error)."""

    def __init__(self, uri: str, message: str, hint: str = "") -> None:
        super().__init__(f"{uri}: {message}", [Problem(uri, message, hint)])
        self.uri = uri


class ObjectNotFoundError(StorageError):
    """The file or S3 object does not exist."""
