"""HTTP request ⇄ API Gateway REST proxy event: how ``flowctl serve`` calls the cloud API handler.

:func:`proxy_event` builds the event API Gateway (REST API, Lambda proxy integration) gives the
API function for a request; :func:`from_proxy_result` turns the function's answer back into a
:class:`~orchestrator.serve.http.Response`.
"""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

from orchestrator.serve.http import Request, Response

__all__ = ["STAGE", "from_proxy_result", "proxy_event"]

STAGE = "local"


def proxy_event(request: Request, *, source_ip: str = "127.0.0.1") -> dict[str, Any]:
    """The REST API proxy event of ``request`` (headers with their usual capitalisation)."""
    headers = {_title(k): v for k, v in request.headers.items()}
    single = {k: v[-1] for k, v in request.query.items() if v}
    try:
        body: str | None = request.body.decode() if request.body else None
        encoded = False
    except UnicodeDecodeError:
        body, encoded = base64.b64encode(request.body).decode(), True
    return {
        "resource": request.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": {k: [v] for k, v in headers.items()} or None,
        "queryStringParameters": single or None,
        "multiValueQueryStringParameters": dict(request.query) or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": request.path,
            "httpMethod": request.method,
            "path": f"/{STAGE}{request.path}",
            "stage": STAGE,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": source_ip, "userAgent": request.header("user-agent")},
            "accountId": "123456789012",
            "apiId": "flowctl-local",
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def from_proxy_result(result: dict[str, Any]) -> Response:
    """The HTTP response of a proxy integration result (``statusCode``, headers, body)."""
    headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if values:
            headers[str(name)] = ", ".join(str(v) for v in values)
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return Response(int(result.get("statusCode", 200)), headers, raw)


def _title(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))
