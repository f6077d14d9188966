"""Where a URI points: a local file or an S3 object.

Contract:

- ``s3://bucket/key`` is an S3 object; ``file:///abs/path`` and plain paths are local files.
- A relative local path resolves against ``base`` when given, else against the environment
  variable ``FLOWCTL_PROJECT_DIR`` when set, else against the current directory. The base may
  itself be ``s3://bucket/prefix``: ``out/x.json`` then becomes ``s3://bucket/prefix/out/x.json``
  (a Lambda keeps the relative paths of a flow and stores them in S3).
- :func:`join_uri` appends path parts to a folder URI, whatever its kind.

Example::

    >>> str(resolve_location("data/prices.csv", base="/srv/project"))
    '/srv/project/data/prices.csv'
    >>> str(resolve_location("out/report.csv", base="s3://bucket/runs"))
    's3://bucket/runs/out/report.csv'
    >>> join_uri("s3://bucket/lake", "source=orders", "part-0000.jsonl")
    's3://bucket/lake/source=orders/part-0000.jsonl'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from orchestrator.io.errors import StorageError

__all__ = ["PROJECT_DIR_ENV", "Location", "join_uri", "resolve_location"]

PROJECT_DIR_ENV = "FLOWCTL_PROJECT_DIR"
"""Directory (or ``s3://`` prefix) that relative paths resolve against (default: the cwd)."""

_S3 = "s3://"


@dataclass(frozen=True)
class Location:
    """A resolved URI: ``bucket``/``key`` for S3, ``path`` (absolute) for a local file."""

    path: Path | None = None
    bucket: str | None = None
    key: str | None = None

    @property
    def is_s3(self) -> bool:
        return self.bucket is not None

    def __str__(self) -> str:
        if self.is_s3:
            return f"{_S3}{self.bucket}/{self.key}"
        return str(self.path)


def _parse_s3(uri: str) -> Location:
    parsed = urlparse(uri)
    key = parsed.path.lstrip("/")
    if not parsed.netloc:
        raise StorageError("an S3 URI needs a bucket", where=uri, hint="write it as s3://bucket/key")
    return Location(bucket=parsed.netloc, key=key)


def resolve_location(
    uri: str | os.PathLike[str],
    base: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Location:
    """The location ``uri`` names; relative paths resolve against ``base`` (see the module)."""
    text = os.fspath(uri)
    if not text:
        raise StorageError("empty path", where="''", hint="give a file path or an s3://bucket/key URI")
    if text.startswith(_S3):
        return _parse_s3(text)
    if text.startswith("file://"):
        return Location(path=Path(unquote(urlparse(text).path)))
    path = Path(text).expanduser()
    if path.is_absolute():
        return Location(path=path)
    if base is None:
        base = (os.environ if env is None else env).get(PROJECT_DIR_ENV) or None
    if base is None:
        return Location(path=Path.cwd() / path)
    base_text = os.fspath(base)
    if base_text.startswith(_S3):
        return _parse_s3(join_uri(base_text, path.as_posix()))
    return resolve_location(Path(base_text).expanduser().resolve() / path)


def join_uri(folder: str | os.PathLike[str], *parts: str) -> str:
    """``folder`` with ``parts`` appended (``/`` for S3, the OS separator locally)."""
    text = os.fspath(folder)
    if text.startswith(_S3):
        pieces = [text.rstrip("/")] + [p.strip("/") for p in parts if p.strip("/")]
        return "/".join(pieces)
    return str(Path(text).joinpath(*parts))
