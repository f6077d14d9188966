"""The HTTP server of ``flowctl serve`` (stdlib ``ThreadingHTTPServer``).

Routes:

* ``GET /`` and every path under ``/ui``: the web dashboard (``orchestrator.web.create(app)``,
  when that module is installed), else a small page (``/``) or 404;
* ``GET /openapi.json``: the API's OpenAPI document;
* ``/local/...``: what only the local server has — ``GET /local/health``, ``GET /local/schedules``
  (next fire times), ``POST /local/events`` (a full EventBridge event or ``{"event", "key",
  "data"}``; answers what it did), ``POST /local/backfill``, ``GET /local/stream`` (server-sent
  events: run status changes, fired schedules, published events);
* everything else: the cloud REST API (:meth:`~orchestrator.serve.app.ServeApp.api`).

With a ``token``, every request must carry ``Authorization: Bearer <token>`` (401 otherwise).
"""

from __future__ import annotations

import hmac
import json
import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from orchestrator.errors import FlowctlError
from orchestrator.serve.app import ServeApp
from orchestrator.serve.http import Request, Response
from orchestrator.service.http import error_body

__all__ = ["ServeServer", "parse_time"]

MAX_BODY_BYTES = 1024 * 1024
_KEEPALIVE_SECONDS = 15.0
WebHandler = Callable[[Request], Response | None]


class ServeServer:
    """Serves ``app`` on ``host:port`` (port 0: an ephemeral port, see :attr:`url`)."""

    def __init__(
        self, app: ServeApp, host: str = "127.0.0.1", port: int = 8400, token: str | None = None
    ) -> None:
        self.app = app
        self.token = token
        self._web: WebHandler | None | bool = False
        self.httpd = ThreadingHTTPServer((host, port), _handler_class(self))
        self.httpd.daemon_threads = True
        self.closing = threading.Event()
        self._serving = threading.Event()

    @property
    def url(self) -> str:
        address = self.httpd.server_address
        host = address[0].decode() if isinstance(address[0], bytes) else str(address[0])
        port = address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def serve_forever(self) -> None:
        self._serving.set()
        self.httpd.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        """Stop serving (open streams end) and close the socket."""
        self.closing.set()
        if self._serving.is_set():
            self.httpd.shutdown()
        self.httpd.server_close()

    # ------------------------------------------------------------------ routing
    def authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        given = request.header("authorization") or ""
        scheme, _, value = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip(), self.token)

    def handle(self, request: Request) -> Response:
        if not self.authorised(request):
            return Response.json(
                401, {"message": "unauthorised: send Authorization: Bearer <token>", "problems": []}
            )
        path = request.path
        if path == "/" or path == "/ui" or path.startswith("/ui/"):
            return self._web_page(request)
        if path == "/openapi.json" and request.method == "GET":
            return Response(
                200, {"Content-Type": "application/json"}, self.app.openapi_document().encode()
            )
        if path.startswith("/local/"):
            return self._local(request)
        return self.app.api(request)

    def web(self) -> WebHandler | None:
        if self._web is False:
            try:
                import orchestrator.web as web  # type: ignore[import-not-found]
            except ImportError:
                self._web = None
            else:
                self._web = web.create(self.app)
        return self._web if callable(self._web) else None

    def _web_page(self, request: Request) -> Response:
        handler = self.web()
        if handler is not None:
            answer = handler(request)
            if answer is not None:
                return answer
        if request.path == "/" and request.method in ("GET", "HEAD"):
            return Response.text(200, _index(self.app), "text/html; charset=utf-8")
        return Response.json(404, {"message": f"no page {request.path}", "problems": []})

    def _local(self, request: Request) -> Response:
        route = (request.method, request.path)
        try:
            if route == ("GET", "/local/health"):
                return Response.json(
                    200,
                    {
                        "ok": True,
                        "project": str(self.app.project_root),
                        "flows": sorted(self.app.flows),
                        "problems": self.app.problems,
                    },
                )
            if route == ("GET", "/local/schedules"):
                count = int(request.first("count") or 3)
                return Response.json(200, {"schedules": schedule_rows(self.app, count)})
            if route == ("POST", "/local/events"):
                return Response.json(200, self.app.publish(event_of(request.json())).to_dict())
            if route == ("POST", "/local/backfill"):
                body = request.json() or {}
                started = self.app.backfill(
                    str(body.get("flow")),
                    parse_time(body["from"]),
                    parse_time(body["to"]),
                    body.get("schedule"),
                )
                return Response.json(
                    200, {"runs": [{"run_id": r, "created": s.created} for r, s in started]}
                )
        except ValueError as exc:
            return Response.json(400, {"message": f"invalid request: {exc}", "problems": []})
        except KeyError as exc:
            return Response.json(
                400, {"message": f"invalid request: missing {exc}", "problems": []}
            )
        except FlowctlError as exc:
            return Response.json(400, error_body(exc.headline, exc.problems))
        return Response.json(
            404, {"message": f"no route {request.method} {request.path}", "problems": []}
        )

    def stream(self, write: Callable[[bytes], None]) -> None:
        """Server-sent events: every update of the app until the client goes or the server stops."""
        updates = self.app.subscribe()
        try:
            write(b": flowctl serve\n\n")
            while not self.closing.is_set():
                try:
                    update = updates.get(timeout=_KEEPALIVE_SECONDS)
                except queue.Empty:
                    write(b": keep-alive\n\n")
                    continue
                write(
                    f"event: {update['type']}\ndata: {json.dumps(update, default=str)}\n\n".encode()
                )
        except OSError:
            return  # the client went away
        finally:
            self.app.unsubscribe(updates)


def event_of(body: Any) -> dict[str, Any]:
    """A full EventBridge event from ``{"source", "detail-type", "detail"}`` or from the publish
    shape ``{"event", "key", "data"}`` (the platform's source)."""
    from orchestrator.constants import DEFAULT_EVENT_SOURCE

    if not isinstance(body, dict):
        raise ValueError("the body is a JSON object")
    if "detail-type" in body or "source" in body:
        if not body.get("source") or not body.get("detail-type"):
            raise ValueError("an EventBridge event has a source and a detail-type")
        return body
    if not body.get("event") or body.get("key") is None:
        raise ValueError('give {"event", "key", "data"} or {"source", "detail-type", "detail"}')
    return {
        "source": DEFAULT_EVENT_SOURCE,
        "detail-type": body["event"],
        "detail": {"key": str(body["key"]), "data": body.get("data")},
    }


def schedule_rows(app: ServeApp, count: int) -> list[dict[str, Any]]:
    """Every schedule of the served flows with its next fire times (UTC and its zone)."""
    from zoneinfo import ZoneInfo

    from orchestrator.serve.schedules import fire_times

    now = app.clock()
    rows = []
    for name, flow in sorted(app.flows.items()):
        for number, schedule in enumerate(flow.schedules, start=1):
            zone = ZoneInfo(schedule.timezone)
            upcoming = list(fire_times(schedule, now, count=count)) if schedule.enabled else []
            rows.append(
                {
                    "flow": name,
                    "schedule": number,
                    "expression": f"cron({schedule.cron})"
                    if schedule.cron
                    else f"rate({schedule.rate})",
                    "timezone": schedule.timezone,
                    "enabled": schedule.enabled,
                    "time_param": schedule.time_param,
                    "description": schedule.description,
                    "next": [
                        {
                            "utc": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "local": t.astimezone(zone).isoformat(),
                        }
                        for t in upcoming
                    ],
                }
            )
    return rows


def parse_time(text: str, zone: str = "UTC", *, end: bool = False) -> datetime:
    """ISO 8601 date or date-time; without an offset it is in ``zone``. A date alone is the start
    of that day (with ``end``, its last second)."""
    from zoneinfo import ZoneInfo

    value = str(text).strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    if len(value) == 10 and end:
        parsed = parsed.replace(hour=23, minute=59, second=59)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed.astimezone(UTC)


def _index(app: ServeApp) -> str:
    from html import escape

    flows = "".join(
        f"<li><a href='/flows/{escape(n)}'>{escape(n)}</a></li>" for n in sorted(app.flows)
    )
    return (
        "<!doctype html><title>flowctl serve</title><h1>flowctl serve</h1>"
        f"<p>Project {escape(str(app.project_root))}</p><h2>Flows</h2><ul>{flows}</ul>"
        "<p><a href='/openapi.json'>OpenAPI document</a> · <a href='/local/schedules'>schedules</a> · "
        "<a href='/local/stream'>live updates (server-sent events)</a></p>"
    )


def _handler_class(server: ServeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "flowctl-serve"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
            pass  # the terminal shows runs, not requests

        def _request(self) -> Request | None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self._send(
                    Response.json(
                        413, {"message": f"body over {MAX_BODY_BYTES} bytes", "problems": []}
                    )
                )
                return None
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            return Request(
                self.command,
                parts.path or "/",
                parse_qs(parts.query, keep_blank_values=True),
                headers,
                body,
            )

        def _send(self, response: Response) -> None:
            self.send_response(response.status)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        def _dispatch(self) -> None:
            request = self._request()
            if request is None:
                return
            if (
                request.path == "/local/stream"
                and request.method == "GET"
                and server.authorised(request)
            ):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True

                def write(data: bytes) -> None:
                    self.wfile.write(data)
                    self.wfile.flush()

                server.stream(write)
                return
            try:
                response = server.handle(request)
            except Exception as exc:  # never a traceback to the client; say what failed
                response = Response.json(
                    500, {"message": f"internal error: {type(exc).__name__}: {exc}", "problems": []}
                )
            self._send(response)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    return Handler
