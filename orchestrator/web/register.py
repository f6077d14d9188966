"""Serve a flow the builder just saved, without restarting ``flowctl serve``: through the
server's public hook ``reload_flow(path)`` (:meth:`orchestrator.serve.app.ServeApp.reload_flow`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["register_flow"]


def register_flow(app: Any, path: Path) -> bool:
    """Make the flow at ``path`` runnable on ``app``; False when it cannot be (it does not
    compile, or ``app`` is not a server that can reload flows)."""
    reload = getattr(app, "reload_flow", None)
    return bool(reload(path)) if callable(reload) else False
