"""The HTTP request and response of ``flowctl serve``, as its mounted handlers see them.

The server turns every request into a :class:`Request` and writes back a :class:`Response`;
handlers mounted on it (the web dashboard: ``orchestrator.web.create(app)``) take a
:class:`Request` and return a :class:`Response`, or None when the path is not theirs.

Example::

    >>> Request("GET", "/ui/runs", {"flow": ["hello"]}, {"accept": "text/html"}, b"").first("flow")
    'hello'
    >>> Response.json(200, {"ok": True}).headers["Content-Type"]
    'application/json'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Request", "Response"]


@dataclass
class Request:
    """One HTTP request. ``path`` has no query string; ``query`` maps each name to all its
    values; ``headers`` have lower-case names; ``body`` is the raw body (empty if none)."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def first(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        """A header by name, case-insensitively."""
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """The body parsed as JSON (None when empty); ValueError when it is not JSON."""
        return json.loads(self.body) if self.body else None


@dataclass
class Response:
    """One HTTP response: status, headers (``Content-Type`` among them) and body bytes."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def json(cls, status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
        """A JSON response."""
        body = json.dumps(data, default=str).encode()
        return cls(status, {"Content-Type": "application/json", **(headers or {})}, body)

    @classmethod
    def text(
        cls, status: int, text: str, content_type: str = "text/plain; charset=utf-8"
    ) -> Response:
        return cls(status, {"Content-Type": content_type}, text.encode())

    def data(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None
