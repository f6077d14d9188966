"""The S3 side of :mod:`orchestrator.io`: a lazily created client and get/put with domain errors.

The one place that makes the process's S3 client: created on first use (never at import time)
and cached; :func:`set_s3_client` injects one (tests, custom sessions) and
``set_s3_client(None)`` forgets it. The payload store of the node runtime
(:class:`~orchestrator.runtime.payloads.PayloadStore`) uses it unless it is given its own.
"""

from __future__ import annotations

import threading
from typing import Any

from orchestrator.io.exceptions import ObjectNotFoundError, StorageError

__all__ = ["get_object", "get_s3_client", "put_object", "set_s3_client"]

_lock = threading.Lock()
_client: Any = None
_NOT_FOUND = {"NoSuchKey", "404", "NotFound", "NoSuchBucket"}


def set_s3_client(client: Any) -> None:
    """Use ``client`` for every S3 call (``None``: create a default client on next use)."""
    global _client
    with _lock:
        _client = client


def get_s3_client() -> Any:
    """The injected client, else a default ``boto3.client("s3")`` created once."""
    global _client
    with _lock:
        if _client is None:
            import boto3

            _client = boto3.client("s3")
        return _client


def _error(uri: str, exc: Exception) -> StorageError:
    code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    if code in _NOT_FOUND:
        return ObjectNotFoundError(uri, "no such S3 object", "check the bucket and key")
    return StorageError(uri, f"S3 request failed: {exc}")


def get_object(bucket: str, key: str) -> bytes:
    """The bytes of ``s3://bucket/key``; :class:`ObjectNotFoundError` when it does not exist."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return get_s3_client().get_object(Bucket=bucket, Key=key)["Body"].read()
    except (ClientError, BotoCoreError) as exc:
        raise _error(f"s3://{bucket}/{key}", exc) from exc


def put_object(bucket: str, key: str, body: bytes, content_type: str | None = None) -> None:
    """Store ``body`` at ``s3://bucket/key``."""
    from botocore.exceptions import BotoCoreError, ClientError

    extra = {"ContentType": content_type} if content_type else {}
    try:
        get_s3_client().put_object(Bucket=bucket, Key=key, Body=body, **extra)
    except (ClientError, BotoCoreError) as exc:
        raise _error(f"s3://{bucket}/{key}", exc) from exc
