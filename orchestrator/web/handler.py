"""Routing of the dashboard and builder: pages at ``/`` and ``/ui/...``, JSON at ``/ui/api/...``.

Pages call the cloud REST API (``/flows``, ``/runs``, ``/events``) on the same origin; the
JSON endpoints here add what the cloud API has no route for: runs across flows, a run's graph
with node statuses, the component catalog, live validation, saving a flow, creating a code node.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any
from urllib.parse import unquote, urlsplit

from orchestrator.errors import FlowctlError, Problem
from orchestrator.flowlang.functions import load_functions
from orchestrator.flowlang.project import Project
from orchestrator.serve.http import Request, Response
from orchestrator.service.http import error_body
from orchestrator.web import data, pages
from orchestrator.web.builder import BuilderError, check_document, create_function, save_flow
from orchestrator.web.layout import flow_layout
from orchestrator.web.logs import node_logs
from orchestrator.web.register import register_flow

__all__ = ["WebHandler"]

_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
_STATIC_NAME = re.compile(r"^[a-z][a-z0-9_-]*\.(css|js|svg)$")
_SECURITY = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
CONTROL_KINDS = {
    "switch": {"switch": [{"when": "{% true %}", "then": []}]},
    "foreach": {"foreach": {"items": "{% [] %}", "do": {"set": "{% $item %}"}}},
    "wait_for": {"wait_for": {"event": "my.event", "key": "{% 'key' %}", "timeout": 3600}},
    "set": {"set": {}},
    "wait": {"wait": {"seconds": 1}},
}


def _html(status: int, text: str) -> Response:
    return Response(status, {"Content-Type": "text/html; charset=utf-8", **_SECURITY}, text.encode())


def _json(status: int, value: Any) -> Response:
    return Response.json(status, value, _SECURITY)


def _problems(exc: FlowctlError) -> dict[str, Any]:
    return error_body(exc.headline, exc.problems)


def _cross_site(request: Request) -> Response | None:
    """Refuse a write another web site could make the browser send: the body must be declared
    JSON (a cross-origin page cannot send that without a CORS preflight, which is never
    granted), and an ``Origin`` must be this server."""
    kind = (request.header("content-type") or "").split(";")[0].strip().lower()
    if kind != "application/json":
        return _json(415, {"message": "send the body as Content-Type: application/json", "problems": []})
    origin = request.header("origin")
    host = request.header("host")
    if origin and host and urlsplit(origin).netloc != host:
        return _json(403, {"message": f"cross-origin request from {origin} refused", "problems": []})
    return None


class WebHandler:
    """``handler(request) -> Response | None`` for ``flowctl serve`` (None: not a UI path)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.project = getattr(app, "project", None) or Project(app.project_root)
        self.logs = node_logs()

    def __call__(self, request: Request) -> Response | None:
        path = request.path
        if path != "/" and path != "/ui" and not path.startswith("/ui/"):
            return None
        try:
            return self.route(request)
        except FlowctlError as exc:
            return _json(400, _problems(exc))

    def route(self, request: Request) -> Response | None:
        method, path = request.method.upper(), request.path.rstrip("/") or "/"
        parts = [unquote(p) for p in path.split("/") if p]
        if method == "GET":
            if path in ("/", "/ui"):
                return self.dashboard(request)
            if parts[:2] == ["ui", "static"] and len(parts) == 3:
                return self.static(parts[2])
            if parts == ["ui", "builder"]:
                return _html(200, pages.builder_page(request.first("flow")))
            if parts == ["ui", "events"]:
                return _html(200, pages.events_page())
            if parts[:2] == ["ui", "flows"] and len(parts) == 3:
                return self.flow(parts[2])
            if parts[:2] == ["ui", "runs"] and len(parts) == 3:
                return _html(200, pages.run_page(parts[2]))
            if parts[:2] == ["ui", "api"]:
                return self.api_get(parts[2:], request)
        if method == "POST" and parts[:2] == ["ui", "api"]:
            return self.api_post(parts[2:], request)
        if parts[:2] == ["ui", "api"]:
            return _json(404, {"message": f"no route {method} {path}"})
        return _html(404, pages.not_found_page(f"No page at {path}."))

    # -- pages -----------------------------------------------------------------------------
    def dashboard(self, request: Request) -> Response:
        flows = [info for name in sorted(data.flows_of(self.app)) if (info := data.flow_info(self.app, name))]
        filters = {"flow": request.first("flow") or "", "status": request.first("status") or "", "page": request.first("page") or ""}
        page = int(filters["page"]) if filters["page"].isdigit() else 1
        runs, has_next = data.list_runs(self.app, filters["flow"] or None, filters["status"] or None, page)
        problems = dict(getattr(self.app, "problems", {}) or {})
        return _html(200, pages.dashboard_page(flows, runs, filters, has_next, data.schedules(self.app), problems))

    def flow(self, name: str) -> Response:
        info = data.flow_info(self.app, name)
        if info is None:
            return _html(404, pages.not_found_page(f"No flow '{name}' is served."))
        runs, _ = data.list_runs(self.app, name, None, 1, 10)
        return _html(200, pages.flow_page(info, runs))

    def static(self, name: str) -> Response:
        if not _STATIC_NAME.fullmatch(name):
            return _html(404, pages.not_found_page(name))
        asset = resources.files("orchestrator.web").joinpath("static", name)
        if not asset.is_file():
            return _html(404, pages.not_found_page(name))
        suffix = name[name.rfind("."):]
        return Response(200, {"Content-Type": _STATIC_TYPES[suffix], "X-Content-Type-Options": "nosniff"}, asset.read_bytes())

    # -- JSON ------------------------------------------------------------------------------
    def api_get(self, parts: list[str], request: Request) -> Response:
        if parts == ["runs"]:
            page = request.first("page") or "1"
            runs, has_next = data.list_runs(self.app, request.first("flow"), request.first("status"), int(page) if page.isdigit() else 1)
            return _json(200, {"runs": [dict(r.to_dict(), steps=None, duration=data.duration(r)) for r in runs], "has_next": has_next})
        if len(parts) == 3 and parts[0] == "runs" and parts[2] == "graph":
            graph = data.run_graph(self.app, parts[1], self.logs.lines(parts[1]) if self.logs else None)
            return _json(200, graph) if graph else _json(404, {"message": f"no run '{parts[1]}'"})
        if len(parts) == 2 and parts[0] == "flows":
            info = data.flow_info(self.app, parts[1])
            if info is None:
                path = self.project.flow_path(parts[1])
                if path is None:
                    return _json(404, {"message": f"no flow '{parts[1]}'"})
                return _json(200, {"name": parts[1], "document": json.loads(path.read_text())})
            path = self.project.flow_path(parts[1])
            info["document"] = json.loads(path.read_text()) if path is not None and path.suffix == ".json" else None
            return _json(200, info)
        if parts == ["catalog"]:
            functions = [f.as_dict() for f in load_functions(self.project)]
            return _json(200, {"functions": functions, "kinds": CONTROL_KINDS})
        if parts == ["schedules"]:
            return _json(200, {"schedules": data.schedules(self.app)})
        return _json(404, {"message": f"no route GET /ui/api/{'/'.join(parts)}"})

    def api_post(self, parts: list[str], request: Request) -> Response:
        refused = _cross_site(request)
        if refused is not None:
            return refused
        try:
            body = request.json()
        except ValueError:
            return _json(400, {"message": "the body is not JSON", "problems": [Problem("/", "malformed JSON").__dict__]})
        if parts == ["validate"]:
            problems = check_document(body, self.project)
            layout = None
            if isinstance(body, dict):
                try:
                    from orchestrator.flowlang.model import Flow

                    layout = flow_layout(Flow.model_validate(body))
                except Exception:
                    layout = None
            return _json(200, {"valid": not problems, "problems": [p.__dict__ for p in problems], "layout": layout})
        if parts == ["flows"]:
            try:
                path = save_flow(body, self.project)
            except BuilderError as exc:
                return _json(400, _problems(exc))
            registered = register_flow(self.app, path)
            return _json(201, {"path": str(path.relative_to(self.project.root)), "name": body["name"], "runnable": registered})
        if parts == ["functions"]:
            try:
                path = create_function(body, self.project)
            except BuilderError as exc:
                return _json(400, _problems(exc))
            return _json(201, {"path": str(path.relative_to(self.project.root)), "name": body["name"]})
        return _json(404, {"message": f"no route POST /ui/api/{'/'.join(parts)}"})
