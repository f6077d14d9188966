"""What loading and checking a flow read from disk, so that a cached compile can tell whether it
still holds (as Python checks a ``.pyc`` against its source).

Contract
--------
* :func:`recording` collects, while a flow is loaded, checked and compiled: every file read
  (:func:`note_file`: path, size, modification time; the content hash is taken by
  :meth:`Reads.seal`), every path whose existence was probed (:func:`note_probe`: a file, a
  folder or nothing) and every folder listed (:func:`note_listing`). The functions of
  ``flowlang`` that touch the disk call these; outside :func:`recording` they do nothing.
* :meth:`Reads.seal` hashes the files read and answers False when one changed while it was
  being compiled (its size or time is no longer the one noted before the read): such a
  compile must not be cached.
* :meth:`Reads.unchanged` is the check of a cache hit: every file has its size and time, or
  else the same content hash; every probe finds the same kind of entry; every listing the same
  names. Any difference, or any error, answers False.
* A file changed less than :data:`RACY_NS` before it was sealed could change again within the
  file system's clock tick, keeping its size and time (git's "racily clean" entries): its time
  is not kept, so it is checked by its hash until a check finds it settled; such a check sets
  :attr:`Reads.refreshed` (the entry is worth writing again).
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["RACY_NS", "Reads", "note_file", "note_function", "note_listing", "note_probe", "recording"]

RACY_NS = 2_000_000_000
"""A file modified this close (ns) to the check is checked by its content, not its time."""


def _kind(path: str) -> str:
    """``file``, ``dir`` or ``""`` (nothing there, or something else)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return ""
    return "file" if stat.S_ISREG(mode) else "dir" if stat.S_ISDIR(mode) else ""


def _listing(path: str) -> list[str] | None:
    try:
        return sorted(os.listdir(path))
    except (OSError, ValueError):
        return None


def _digest(path: str) -> str | None:
    import hashlib  # only when a file's size or time moved (loading OpenSSL costs a run ~5 %)

    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except (OSError, ValueError):
        return None


def _signature(path: str) -> list[int] | None:
    """Size, modification time and status-change time (ns): the last one moves with any write or
    time change, so a file replaced by one of the same size and preserved time (``cp -p``) differs."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return [found.st_size, found.st_mtime_ns, found.st_ctime_ns]


@dataclass
class Reads:
    """The disk inputs of one compile (paths are absolute)."""

    files: dict[str, list[Any]] = field(default_factory=dict)
    """path → [size, mtime_ns, ctime_ns, sha256 (None until sealed)]; times of -1 when the file
    was too new to be trusted by them (see the module docstring)."""
    probes: dict[str, str] = field(default_factory=dict)
    """path → what it was: ``file``, ``dir`` or ``""``."""
    listings: dict[str, list[str] | None] = field(default_factory=dict)
    """folder → its sorted entry names (None: it could not be listed)."""
    refreshed: bool = field(default=False, compare=False)
    """Set by :meth:`unchanged` when a file had to be hashed and its new size and time were kept."""

    def add_file(self, path: Path | str) -> None:
        key = os.path.abspath(path)
        if key not in self.files:
            self.files[key] = [*(_signature(key) or [-1, -1, -1]), None]

    def add_tree(self, folder: Path | str, suffix: str = ".py") -> None:
        """Every ``suffix`` file under ``folder`` and every folder's listing (``__pycache__``
        left out: Python checks its own)."""
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            self.listings.setdefault(os.path.abspath(root), _listing(root))
            for name in sorted(files):
                if name.endswith(suffix):
                    self.add_file(os.path.join(root, name))

    def add_modules(self, folder: Path | str) -> None:
        """The files of every imported module under ``folder`` (code a function imported from a
        sibling folder)."""
        import sys

        prefix = os.path.join(os.path.abspath(folder), "")
        for module in list(sys.modules.values()):
            file = getattr(module, "__file__", None)
            if isinstance(file, str) and os.path.abspath(file).startswith(prefix):
                self.add_file(file)

    def seal(self) -> bool:
        """Hash every file read; False when one changed since it was read (do not cache)."""
        racy = time.time_ns() - RACY_NS
        for path, entry in self.files.items():
            digest = _digest(path)
            if digest is None or _signature(path) != entry[:3]:
                return False
            entry[1:] = [-1, -1, digest] if entry[2] > racy else [*entry[1:3], digest]
        return True

    def unchanged(self) -> bool:
        """Whether every input is still what the compile read (any doubt: False)."""
        try:
            racy = time.time_ns() - RACY_NS
            for path, entry in self.files.items():
                found = _signature(path)
                if found is None or entry[0] < 0:
                    return False
                if found != entry[:3]:
                    if _digest(path) != entry[3]:
                        return False
                    if found[2] <= racy:  # settled: its size and times will do from now on
                        entry[:3] = found
                        self.refreshed = True
            for path, kind in self.probes.items():
                if _kind(path) != kind:
                    return False
            return all(_listing(path) == names for path, names in self.listings.items())
        except Exception:  # a malformed entry: not a hit
            return False

    def as_data(self) -> dict[str, Any]:
        return {"files": self.files, "probes": self.probes, "listings": self.listings}

    @classmethod
    def from_data(cls, data: Any) -> Reads:
        """The reads of a cache entry (ValueError when it is not the shape :meth:`as_data` writes)."""
        if not isinstance(data, dict):
            raise ValueError("reads: not an object")
        files, probes, listings = data.get("files"), data.get("probes"), data.get("listings")
        if not (isinstance(files, dict) and isinstance(probes, dict) and isinstance(listings, dict)):
            raise ValueError("reads: missing parts")
        for entry in files.values():
            if not (isinstance(entry, list) and len(entry) == 4 and all(type(v) is int for v in entry[:3])
                    and isinstance(entry[3], str)):
                raise ValueError("reads: a file entry is malformed")
        if not all(isinstance(kind, str) for kind in probes.values()):
            raise ValueError("reads: a probe is malformed")
        if not all(names is None or isinstance(names, list) for names in listings.values()):
            raise ValueError("reads: a listing is malformed")
        return cls(files, probes, listings)


_CURRENT: ContextVar[Reads | None] = ContextVar("flowctl_reads", default=None)


@contextlib.contextmanager
def recording() -> Iterator[Reads]:
    """Collect what is read from disk inside the block (nested blocks see the same reads)."""
    outer = _CURRENT.get()
    reads = outer if outer is not None else Reads()
    token = _CURRENT.set(reads)
    try:
        yield reads
    finally:
        _CURRENT.reset(token)


def note_file(path: Path | str) -> None:
    """``path`` is about to be read (call it before the read: its size and time are taken now)."""
    reads = _CURRENT.get()
    if reads is not None:
        reads.add_file(path)


def note_probe(path: Path | str) -> None:
    """Whether ``path`` is a file or a folder was asked."""
    reads = _CURRENT.get()
    if reads is not None:
        key = os.path.abspath(path)
        reads.probes.setdefault(key, _kind(key))


def note_listing(path: Path | str) -> None:
    """The entries of the folder ``path`` were listed."""
    reads = _CURRENT.get()
    if reads is not None:
        key = os.path.abspath(path)
        reads.listings.setdefault(key, _listing(key))


def note_function(folder: Path, shared: Path) -> None:
    """A node function's module is imported from ``folder``: its code, and the shared code
    (``shared``) it may import, are inputs (every ``.py`` file and every folder's listing)."""
    reads = _CURRENT.get()
    if reads is not None:
        for tree in (folder, shared):
            note_probe(tree)
            reads.add_tree(tree)
