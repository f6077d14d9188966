"""Payload offload: large JSON values travel between nodes as ``{"$ref": "<uri>"}``.

Contract:

- :meth:`PayloadStore.offload` returns ``value`` unchanged when its JSON encoding is at most
  ``threshold`` bytes; otherwise it stores the JSON at ``s3://<bucket>/<key>`` (a bucket is
  configured) or ``file://<directory>/<key>`` (local runs) and returns ``{"$ref": uri}``. With
  neither (a Lambda without a bucket) the value is returned unchanged.
- :meth:`PayloadStore.ref` stores the JSON whatever its size and returns the ref: the run
  store's offloader, so a step output too large to keep inline (100 KiB) but under
  ``threshold`` is kept as a ref rather than omitted.
- :func:`resolve_refs` replaces every nested ``{"$ref": "s3://..."}`` or
  ``{"$ref": "file:///..."}`` (a dict with that single key) by the stored JSON, so the next
  node sees the original value; :meth:`PayloadStore.resolve` also resolves
  ``{"$ref": "agg://<run>/<node>"}`` (an aggregated foreach) to the list of its items' outputs. Refs are read with their own bucket, whatever is configured.

The S3 client is injected (``s3_client=``), else :mod:`orchestrator.io`'s, which creates it on
first use (never at import time).

Example::

    >>> payloads = PayloadStore(directory=Path(".flowctl/payloads"), threshold=10)
    >>> payloads.offload({"big": "x" * 100}, "runs/r1/n/0/0/0/output")
    {'$ref': 'file:///.../.flowctl/payloads/runs/r1/n/0/0/0/output.json'}
    >>> payloads.resolve(_)
    {'big': 'xxxx...'}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from orchestrator.constants import DEFAULT_OFFLOAD_THRESHOLD_BYTES
from orchestrator.errors import FlowctlError, Problem

__all__ = ["REF_KEY", "PayloadError", "PayloadStore", "is_ref", "resolve_refs"]

REF_KEY = "$ref"
_SCHEMES = ("s3://", "file://", "agg://")
_AGG = "agg://"
_MAX_DEPTH = 8


class PayloadError(FlowctlError):
    """An offloaded payload cannot be read (missing object or file, unknown scheme)."""


def is_ref(value: Any) -> bool:
    """Whether ``value`` is ``{"$ref": "s3://..."}`` or ``{"$ref": "file://..."}``."""
    return (
        isinstance(value, dict)
        and len(value) == 1
        and isinstance(value.get(REF_KEY), str)
        and value[REF_KEY].startswith(_SCHEMES)
    )


class PayloadStore:
    """Writes and reads offloaded payloads; ``bucket`` (S3) wins over ``directory`` (local)."""

    def __init__(
        self,
        *,
        bucket: str | None = None,
        directory: Path | str | None = None,
        threshold: int = DEFAULT_OFFLOAD_THRESHOLD_BYTES,
        s3_client: Any = None,
    ) -> None:
        self.bucket = bucket
        self.directory = Path(directory).resolve() if directory else None
        self.threshold = threshold
        self._s3 = s3_client

    @property
    def s3(self) -> Any:
        """The injected client, else the one of :mod:`orchestrator.io` (created there on first
        use, replaced with :func:`~orchestrator.io.set_s3_client`): one S3 client per process."""
        if self._s3 is not None:
            return self._s3
        from orchestrator.io.s3 import get_s3_client

        return get_s3_client()

    @property
    def can_offload(self) -> bool:
        return bool(self.bucket or self.directory)

    def offload(self, value: Any, key: str) -> Any:
        """``value`` itself when small, else a ``{"$ref": uri}`` to the stored JSON.

        ``key`` is a relative path without suffix, e.g. ``runs/<run>/<node>/<index>/<attempt>``.
        """
        body = _encode(value)
        if len(body) <= self.threshold or not self.can_offload:
            return value
        return {REF_KEY: self.put(body, key)}

    def ref(self, value: Any, key: str) -> dict[str, str]:
        """Store ``value`` whatever its size and return ``{"$ref": uri}``: the offloader of a run
        store, which calls it for values over its own inline limit (smaller than ``threshold``)."""
        return {REF_KEY: self.put(_encode(value), key)}

    def put(self, body: bytes, key: str) -> str:
        """Store ``body`` under ``key`` (``.json`` appended) and return its URI."""
        name = f"{key.strip('/')}.json"
        if self.bucket:
            self.s3.put_object(
                Bucket=self.bucket, Key=name, Body=body, ContentType="application/json"
            )
            return f"s3://{self.bucket}/{name}"
        assert self.directory is not None
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_bytes(body)
        tmp.replace(path)
        return path.as_uri()

    def load(self, uri: str) -> Any:
        """The JSON stored at ``uri`` (``s3://bucket/key`` or ``file:///path``)."""
        parsed = urlparse(uri)
        if parsed.scheme == "s3":
            from botocore.exceptions import ClientError

            try:
                got = self.s3.get_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"))
            except ClientError as exc:
                raise PayloadError(
                    f"offloaded payload {uri} cannot be read: {exc}", [Problem(uri, str(exc))]
                ) from exc
            return json.loads(got["Body"].read())
        if parsed.scheme == "file":
            try:
                return json.loads(Path(unquote(parsed.path)).read_bytes())
            except FileNotFoundError as exc:
                raise PayloadError(
                    f"offloaded payload {uri} not found", [Problem(uri, "file not found")]
                ) from exc
        raise PayloadError(
            f"unknown payload scheme in {uri}", [Problem(uri, "expected s3:// or file://")]
        )

    def resolve(self, value: Any, runs: Any = None) -> Any:
        """``value`` with every nested ref replaced by its stored JSON; an aggregate reference
        (``agg://``, an aggregated foreach's output) by its full list, read from ``runs`` (the
        run store) or the store registered for its run."""

        def load(uri: str) -> Any:
            if uri.startswith(_AGG):
                from orchestrator.runtime.fanout import load_aggregate

                return load_aggregate(uri, runs, lambda item: resolve_refs(item, load))
            return self.load(uri)

        return resolve_refs(value, load)


def _encode(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def resolve_refs(value: Any, load: Any, _depth: int = 0) -> Any:
    """Replace each nested ``{"$ref": uri}`` in ``value`` by ``load(uri)`` (recursively)."""
    if _depth > _MAX_DEPTH:
        return value
    if is_ref(value):
        if value[REF_KEY].startswith(_AGG):  # resolved item by item by the loader, once
            return load(value[REF_KEY])
        return resolve_refs(load(value[REF_KEY]), load, _depth + 1)
    if isinstance(value, dict):
        return {k: resolve_refs(v, load, _depth) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_refs(v, load, _depth) for v in value]
    return value
