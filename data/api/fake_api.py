"""A tiny local HTTP API serving the sample records, for the api-extract flow.

Run it, then run the flow against it (its default ``base_url``)::

    python data/api/fake_api.py --port 8765
    flowctl run flows/api-extract.json --input '{"source": "orders", "run_date": "2024-05-03"}'

``GET /<resource>?date=YYYY-MM-DD`` returns ``{"records": [...], "count": n}``: the records of
``<resource>.json`` next to this file whose ``created_at`` (orders) or ``updated_at``
(customers) falls on that day. An unknown resource answers 404, a missing or invalid date 400.
With ``fail_first=N`` the first N requests answer 503, to show a flow's retry.

Tests use :func:`serving`: a server on a free port of 127.0.0.1, run by a thread::

    with serving(fail_first=2) as api:
        fetch(api.base_url + "/orders?date=2024-05-01")
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

HERE = Path(__file__).resolve().parent
DATE_FIELDS = {"orders": "created_at", "customers": "updated_at"}


class FakeApiServer(ThreadingHTTPServer):
    """The server; ``requests`` counts the requests received, ``failures_left`` the 503s to send."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], data_dir: Path, fail_first: int) -> None:
        super().__init__(address, _Handler)
        self.data_dir = data_dir
        self.failures_left = fail_first
        self.requests = 0
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeApiServer

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.requests += 1
            failing = self.server.failures_left > 0
            self.server.failures_left -= int(failing)
        if failing:
            self._send(503, {"error": "service unavailable, try again"})
            return
        url = urlparse(self.path)
        resource = url.path.strip("/")
        if resource not in DATE_FIELDS:
            self._send(404, {"error": f"unknown resource {resource!r}"})
            return
        day = (parse_qs(url.query).get("date") or [""])[0]
        try:
            date.fromisoformat(day)
        except ValueError:
            self._send(400, {"error": "query parameter 'date' (YYYY-MM-DD) is required"})
            return
        records = json.loads((self.server.data_dir / f"{resource}.json").read_text())
        field = DATE_FIELDS[resource]
        selected = [r for r in records if str(r.get(field, ""))[:10] == day]
        self._send(200, {"records": selected, "count": len(selected)})


def make_server(host: str = "127.0.0.1", port: int = 8765, data_dir: Path = HERE, fail_first: int = 0) -> FakeApiServer:
    """A server bound to ``host:port`` (0: any free port); call ``serve_forever`` to run it."""
    return FakeApiServer((host, port), data_dir, fail_first)


@contextmanager
def serving(data_dir: Path = HERE, fail_first: int = 0) -> Iterator[FakeApiServer]:
    """A server on a free port of 127.0.0.1, served by a thread until the block ends."""
    server = make_server("127.0.0.1", 0, data_dir, fail_first)
    thread = threading.Thread(target=server.serve_forever, name="fake-api", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--fail-first", type=int, default=0, help="answer 503 to the first N requests")
    args = parser.parse_args()
    server = make_server(args.host, args.port, fail_first=args.fail_first)
    print(f"serving {HERE} on {server.base_url} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
