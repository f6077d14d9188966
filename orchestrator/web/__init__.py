"""The web dashboard and low-code builder of ``flowctl serve``.

``create(app)`` returns the handler ``flowctl serve`` mounts at ``/`` and ``/ui/...``:
``handler(Request) -> Response | None`` (:mod:`orchestrator.serve.http`). Pages are rendered
on the server and enhanced by a little vanilla JavaScript (package data under ``static/``: no
CDN, no build step, no Node.js); the scripts call the cloud REST API on the same origin and the
JSON endpoints under ``/ui/api/``.

Why server-rendered HTML with small scripts rather than a single-page framework: everything
ships inside the Python package and works offline, there is no bundle to rebuild or review,
the pages are readable without JavaScript (lists, filters, pagination), and the few live parts
(the run graph, the builder) are a few hundred lines of plain DOM/SVG code.

Example::

    handler = create(serve_app)
    handler(Request("GET", "/", {}, {}, b"")).status      # 200
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["create"]


def create(app: Any) -> Callable[..., Any]:
    """The dashboard/builder handler for ``app`` (a ServeApp: ``project_root``, ``store``,
    ``api``, ``flows``, ``scheduler``...)."""
    from orchestrator.web.handler import WebHandler

    return WebHandler(app)
