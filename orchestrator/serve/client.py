"""A small HTTP client for a running ``flowctl serve`` (the CLI hands it requests)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from orchestrator.errors import FlowctlError

__all__ = ["call_server"]


def call_server(
    info: dict[str, Any], method: str, path: str, body: Any = None, timeout: float = 60.0
) -> tuple[int, Any]:
    """(status, JSON answer) of ``method path`` on the server described by ``info``."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{info['url']}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if info.get("token"):
        request.add_header("Authorization", f"Bearer {info['token']}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except OSError as exc:
        raise FlowctlError(f"flowctl serve at {info['url']} does not answer: {exc}") from None
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")
