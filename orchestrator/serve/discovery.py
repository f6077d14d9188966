"""Finding a running ``flowctl serve`` of a project: ``<home>/serve.json`` (url, pid, token).

``serve`` writes the file (readable by its user only) when it listens and removes it when it
stops; :func:`running_server` ignores a file whose process is gone. CLI commands that must act
inside the server (resume its waiting runs, cancel its runs) send their request to it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["SERVE_FILE", "remove_server_info", "running_server", "write_server_info"]

SERVE_FILE = "serve.json"


def write_server_info(home: Path, url: str, token: str | None) -> Path:
    path = home / SERVE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"url": url, "pid": os.getpid(), "token": token}, handle)
    return path


def remove_server_info(home: Path) -> None:
    path = home / SERVE_FILE
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    if info.get("pid") == os.getpid():
        path.unlink(missing_ok=True)


def running_server(home: Path) -> dict[str, Any] | None:
    """``{"url", "pid", "token"}`` of the project's running server, or None."""
    try:
        info = json.loads((home / SERVE_FILE).read_text())
        pid = int(info["pid"])
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return dict(info)
