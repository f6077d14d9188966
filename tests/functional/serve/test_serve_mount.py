"""The server's contract with the web dashboard: `GET /` and `/ui...` go to
`orchestrator.web.create(app)` when that module exists (else a small page or 404), API paths never
do; updates stream as server-sent events."""

from __future__ import annotations

import sys
import threading
import types
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import orchestrator
from orchestrator.serve.app import ServeApp
from orchestrator.serve.http import Request, Response
from orchestrator.serve.server import ServeServer


@pytest.fixture
def app(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServeApp]:
    home = project / ".flowctl"
    for name, value in {"FLOWCTL_STORE": "local", "FLOWCTL_HOME": str(home), "FLOWCTL_PROJECT_DIR": str(project),
                        "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    served = ServeApp(project, scheduler=False)
    yield served
    served.close()


def get(path: str, method: str = "GET") -> Request:
    return Request(method, path, {}, {}, b"")


def test_without_a_web_module_the_root_is_a_small_page(app: ServeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "orchestrator.web", None)  # import fails
    server = ServeServer(app, port=0)
    try:
        page = server.handle(get("/"))
        assert page.status == 200 and b"hello" in page.body
        assert server.handle(get("/ui/runs")).status == 404
        assert server.handle(get("/flows")).status == 200
    finally:
        server.shutdown()


def test_the_web_module_gets_root_and_ui_paths_only(app: ServeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def create(given: ServeApp):  # noqa: ANN202 - the contract's shape
        assert given is app and given.project_root == app.project_root and given.store is app.store

        def handle(request: Request) -> Response | None:
            seen.append(f"{request.method} {request.path}")
            if request.path == "/ui/missing":
                return None
            return Response.text(200, f"web {request.path}", "text/html")

        return handle

    web = types.ModuleType("orchestrator.web")
    web.create = create  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "orchestrator.web", web)
    monkeypatch.setattr(orchestrator, "web", web, raising=False)  # once the real one was imported
    server = ServeServer(app, port=0)
    try:
        assert server.handle(get("/")).body == b"web /"
        assert server.handle(get("/ui/builder", "POST")).body == b"web /ui/builder"
        assert server.handle(get("/ui/missing")).status == 404
        assert server.handle(get("/flows")).data()["flows"]
        assert server.handle(get("/uix")).status == 404  # an API path (none there), not the web's
        assert seen == ["GET /", "POST /ui/builder", "GET /ui/missing"]
    finally:
        server.shutdown()


def test_updates_stream_as_server_sent_events(app: ServeApp) -> None:
    server = ServeServer(app, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"{server.url}/local/stream", timeout=30) as stream:
            assert stream.headers["Content-Type"] == "text/event-stream"
            assert stream.readline() == b": flowctl serve\n"
            started = app.start_run("hello", {"name": "Ada"})
            lines = []
            while not any(b'"SUCCEEDED"' in line for line in lines):
                lines.append(stream.readline())
            assert b"event: run\n" in lines
            assert any(started.run.run_id.encode() in line for line in lines)
    finally:
        server.shutdown()
