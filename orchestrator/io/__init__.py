"""Whole-file I/O by URI for node functions: local paths and ``s3://bucket/key`` alike.

Relative paths resolve against ``FLOWCTL_PROJECT_DIR`` (a folder or an ``s3://`` prefix) when
set, else against the current directory; an explicit ``base=`` argument wins over both. The S3
client is created on first use, never at import time (:func:`set_s3_client` injects one).

Example::

    from orchestrator.io import read_text, write_text

    rows = read_text("data/reconciliation/ledger.csv")
    where = write_text("s3://reports/2024/summary.txt", "812 exact matches")
"""

from __future__ import annotations

from orchestrator.io.errors import ObjectNotFoundError, StorageError
from orchestrator.io.location import PROJECT_DIR_ENV, Location, join_uri, resolve_location
from orchestrator.io.s3 import get_s3_client, set_s3_client
from orchestrator.io.storage import exists, read_bytes, read_text, resolve, write_bytes, write_text

__all__ = [
    "PROJECT_DIR_ENV",
    "Location",
    "ObjectNotFoundError",
    "StorageError",
    "exists",
    "get_s3_client",
    "join_uri",
    "read_bytes",
    "read_text",
    "resolve",
    "resolve_location",
    "set_s3_client",
    "write_bytes",
    "write_text",
]
