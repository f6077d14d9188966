"""GET a JSON list of records from an HTTP API (standard library only).

Input::

    {"url": "http://127.0.0.1:8765/orders",
     "query": {"date": "2024-05-03"},          # optional, URL-encoded onto the URL
     "headers": {"Authorization": "..."},      # optional
     "timeout": 30}                            # optional, seconds

Output::

    {"records": [{...}, ...], "status": 200, "count": 13,
     "url": "http://127.0.0.1:8765/orders?date=2024-05-03"}

The body must be JSON: a list of records, or an object holding the list under ``records``,
``data`` or ``items``. Raises ``HttpError`` for a 5xx, 408 or 429 answer, a refused or dropped
connection or a timeout (the flow retries on it); ``HttpClientError`` for any other 4xx answer
or a bad URL, and ``ResponseFormatError`` when the body is not such JSON (retrying would not
help either). Step Functions matches errors by class name, so a ``retry`` on ``HttpError``
leaves ``HttpClientError`` alone.

Allowed hosts (no server-side request forgery through a run parameter): ``HTTP_FETCH_ALLOWED_HOSTS``
lists the hosts that may be fetched, comma-separated: ``api.example.com``, ``*.example.com``
(any subdomain), ``host:8443`` (one port only) or ``*`` (any host). Unset, only ``127.0.0.1``
and ``localhost`` are allowed (local runs); the template sets it from the
``HttpFetchAllowedHosts`` parameter, empty by default: nothing is fetched until the deployer
names the hosts. Redirects are checked against the same list. Any other host raises
``HttpClientError``.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from pydantic import Field

from orchestrator.runtime import ContractModel, node

LIST_KEYS = ("records", "data", "items")
DEFAULT_TIMEOUT = 30.0
ALLOWED_HOSTS_ENV = "HTTP_FETCH_ALLOWED_HOSTS"
LOCAL_HOSTS = "127.0.0.1,localhost"


class HttpError(Exception):
    """The request failed: non-2xx status (``status``), or no answer at all (``status`` None)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class HttpClientError(HttpError):
    """The request itself is wrong (a 4xx answer other than 408/429, a bad URL): not retried."""


# 4xx answers worth retrying: the server timed out waiting, or asks the client to slow down.
RETRYABLE_4XX = {408, 429}


class ResponseFormatError(Exception):
    """The answer is not JSON holding a list of records."""


def build_url(url: str, query: dict[str, Any] | None) -> str:
    """``url`` with ``query`` appended to its query string (None values dropped)."""
    if not query:
        return url
    parts = urlsplit(url)
    extra = urlencode({k: v for k, v in query.items() if v is not None}, doseq=True)
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def extract_records(body: Any) -> list[Any]:
    """The list of records in a decoded JSON body."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key in LIST_KEYS:
            if isinstance(body.get(key), list):
                return body[key]
    raise ResponseFormatError(f"expected a JSON list, or an object with one of {list(LIST_KEYS)}; got {type(body).__name__}")


def allowed_hosts(env: dict[str, str] | None = None) -> list[str]:
    """The allow-list of :data:`ALLOWED_HOSTS_ENV` (lowercase entries)."""
    env = dict(os.environ) if env is None else env
    text = env.get(ALLOWED_HOSTS_ENV, LOCAL_HOSTS)
    return [entry.strip().lower() for entry in text.split(",") if entry.strip()]


def check_host(url: str, allowed: list[str]) -> None:
    """:class:`HttpClientError` unless ``url`` is http(s) to a host of ``allowed``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise HttpClientError(f"only http(s) URLs can be fetched, got {url[:200]!r}")
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise HttpClientError(f"invalid port in {url[:200]!r}") from None
    for entry in allowed:
        name, _, wanted_port = entry.partition(":") if not entry.startswith("[") else (entry, "", "")
        if wanted_port and wanted_port != str(port):
            continue
        if name == "*" or name == host or (name.startswith("*.") and host.endswith(name[1:])):
            return
    raise HttpClientError(
        f"host {host!r} is not allowed: set {ALLOWED_HOSTS_ENV} (the HttpFetchAllowedHosts template parameter) to include it"
    )


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to an allowed host."""

    def __init__(self, allowed: list[str]) -> None:
        self.allowed = allowed

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        check_host(newurl, self.allowed)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, headers: dict[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT) -> tuple[int, bytes]:
    """Status and body of ``GET url``; :class:`HttpError` unless the status is 2xx."""
    allowed = allowed_hosts()
    check_host(url, allowed)
    request = urllib.request.Request(url, headers={"Accept": "application/json", **(headers or {})})
    opener = urllib.request.build_opener(_CheckedRedirects(allowed))
    try:
        with opener.open(request, timeout=timeout) as response:  # scheme and host checked
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:200].decode("utf-8", "replace")
        error = HttpClientError if 400 <= exc.code < 500 and exc.code not in RETRYABLE_4XX else HttpError
        raise error(f"GET {url} answered {exc.code} {exc.reason}: {detail}", exc.code) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise HttpError(f"GET {url} failed: {reason}") from exc


def handle(inputs: dict[str, Any], ctx: Any = None) -> dict[str, Any]:
    url = inputs.get("url")
    if not url:
        raise HttpClientError("input 'url' is required")
    full_url = build_url(str(url), inputs.get("query"))
    status, data = fetch(full_url, inputs.get("headers"), float(inputs.get("timeout") or DEFAULT_TIMEOUT))
    try:
        body = json.loads(data) if data.strip() else []
    except ValueError as exc:
        raise ResponseFormatError(f"GET {full_url} did not answer JSON: {data[:80]!r}") from exc
    records = extract_records(body)
    return {"records": records, "status": status, "count": len(records), "url": full_url}


class Input(ContractModel):
    """What to GET."""

    url: str = Field(description="http(s) URL of the API.")
    query: dict[str, Any] | None = Field(None, description="Query parameters (None values dropped).")
    headers: dict[str, str] | None = Field(None, description="Request headers.")
    timeout: float = Field(30, description="Seconds.")


class Output(ContractModel):
    """The records of the answer."""

    records: list[dict[str, Any]]
    status: int
    count: int
    url: str


lambda_handler = node(handle, input=Input, output=Output)
