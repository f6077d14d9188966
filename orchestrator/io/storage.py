"""Read and write whole files by URI: local paths (relative ones resolved) or ``s3://``.

Every function takes ``base`` (what a relative path resolves against; default
``FLOWCTL_PROJECT_DIR``, then the current directory) and returns or raises the same way for
both kinds of location. Writes create missing local folders and replace files atomically; they
return the resolved location as a string (an absolute path or an ``s3://`` URI).
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from orchestrator.io import s3
from orchestrator.io.errors import ObjectNotFoundError, StorageError
from orchestrator.io.location import resolve_location

__all__ = ["exists", "read_bytes", "read_text", "resolve", "write_bytes", "write_text"]

PathLike = str | os.PathLike[str]


def resolve(uri: PathLike, base: PathLike | None = None) -> str:
    """The absolute path or ``s3://`` URI that ``uri`` names."""
    return str(resolve_location(uri, base))


def read_bytes(uri: PathLike, base: PathLike | None = None) -> bytes:
    """The content of ``uri``; :class:`ObjectNotFoundError` when it does not exist."""
    loc = resolve_location(uri, base)
    if loc.is_s3:
        assert loc.bucket is not None and loc.key is not None
        return s3.get_object(loc.bucket, loc.key)
    assert loc.path is not None
    try:
        return loc.path.read_bytes()
    except FileNotFoundError as exc:
        raise ObjectNotFoundError("no such file", where=str(loc), hint="check the path") from exc
    except OSError as exc:
        raise StorageError(f"cannot read: {exc.strerror or exc}", where=str(loc)) from exc


def read_text(uri: PathLike, base: PathLike | None = None, encoding: str = "utf-8") -> str:
    """The content of ``uri`` decoded as ``encoding`` (a leading BOM is dropped)."""
    data = read_bytes(uri, base)
    try:
        return data.decode("utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding)
    except UnicodeDecodeError as exc:
        raise StorageError(f"not {encoding} text: {exc}", where=resolve(uri, base)) from exc


def write_bytes(uri: PathLike, data: bytes, base: PathLike | None = None, content_type: str | None = None) -> str:
    """Write ``data`` to ``uri`` (replacing it) and return the resolved location."""
    loc = resolve_location(uri, base)
    if loc.is_s3:
        assert loc.bucket is not None and loc.key is not None
        s3.put_object(loc.bucket, loc.key, data, content_type or mimetypes.guess_type(loc.key)[0])
        return str(loc)
    assert loc.path is not None
    path: Path = loc.path
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"cannot write: {exc.strerror or exc}", where=str(loc)) from exc
    return str(path)


def write_text(uri: PathLike, text: str, base: PathLike | None = None, encoding: str = "utf-8", content_type: str | None = None) -> str:
    """Write ``text`` to ``uri`` (replacing it) and return the resolved location."""
    return write_bytes(uri, text.encode(encoding), base, content_type)


def exists(uri: PathLike, base: PathLike | None = None) -> bool:
    """Whether ``uri`` names an existing file or S3 object."""
    loc = resolve_location(uri, base)
    if not loc.is_s3:
        assert loc.path is not None
        return loc.path.is_file()
    try:
        read_bytes(str(loc))
    except ObjectNotFoundError:
        return False
    return True
