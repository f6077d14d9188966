"""One kept-alive HTTP/1.1 connection that POSTs a body and reads the answer (sockets only).

What :class:`~orchestrator.store.dynamodb_http.DynamoHttpClient` sends its requests on:
``http.client`` would import the ``email`` package to parse headers (~75 M instructions of a
cold start, half a node's budget for its store). This reads a status line, headers and a body
of ``Content-Length`` bytes, chunks, or up to the end of the connection, skipping interim
``1xx`` answers. The connection is opened on first use and again after the server closed it
(``Connection: close``, or an idle kept-alive socket found closed before a request).

Example::

    >>> connection = Http1Connection("127.0.0.1", 8000, timeout=5)
    >>> connection.post("/", {"host": "127.0.0.1:8000"}, b"{}")
    (200, {'content-type': 'application/json', ...}, b'{}')
"""

from __future__ import annotations

import select
import socket
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO

__all__ = ["Http1Connection", "ProtocolError"]

_MAX_LINE = 65536
_MAX_HEADERS = 200


class ProtocolError(ConnectionError):
    """The server's answer was not HTTP/1.x, or the connection ended in the middle of it."""


class Http1Connection:
    """HTTP/1.1 to ``host``:``port``; ``wrap`` (HTTPS) turns the connected socket into a TLS one
    (``ssl_context.wrap_socket(sock, server_hostname=host)``). Not thread-safe: one per thread."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float,
        wrap: Callable[[socket.socket], socket.socket] | None = None,
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._wrap = wrap
        self.sock: socket.socket | None = None
        self._file: BinaryIO | None = None

    def post(self, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Send ``POST path`` with ``headers`` (plus ``Content-Length``) and ``body``; return the
        status, the headers (lower-case names) and the body. OSError on a network failure."""
        if self.sock is not None and self._closed_by_server():
            self.close()
        if self.sock is None:
            self._connect()
        assert self.sock is not None and self._file is not None
        lines = [f"POST {path} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"content-length: {len(body)}")
        try:
            self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            status, answer, data = self._read_response(self._file)
        except BaseException:
            self.close()
            raise
        if answer.get("connection", "").lower() == "close":
            self.close()
        return status, answer, data

    def close(self) -> None:
        file, sock = self._file, self.sock
        self._file = self.sock = None
        if file is not None:
            file.close()
        if sock is not None:
            sock.close()

    # ------------------------------------------------------------------ internals
    def _connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._wrap is not None:
            sock = self._wrap(sock)
        self.sock = sock
        self._file = sock.makefile("rb")

    def _closed_by_server(self) -> bool:
        """A kept-alive socket that is readable before a request has been closed (or is broken)."""
        if self.sock is None:
            return False
        try:
            return bool(select.select([self.sock], [], [], 0)[0])
        except (OSError, ValueError):
            return True

    def _read_response(self, file: BinaryIO) -> tuple[int, dict[str, str], bytes]:
        while True:
            status, headers = _read_head(file)
            if not 100 <= status < 200:
                break
        if status in (204, 304):
            return status, headers, b""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return status, headers, _read_chunks(file)
        length = headers.get("content-length")
        if length is not None:
            return status, headers, _read_exactly(file, int(length))
        data = file.read()  # no length: the body ends with the connection
        self.close()
        return status, headers, data


def _readline(file: BinaryIO) -> bytes:
    line = file.readline(_MAX_LINE + 1)
    if not line:
        raise ProtocolError("the connection closed before the answer")
    if len(line) > _MAX_LINE:
        raise ProtocolError("an answer line is too long")
    return line


def _read_head(file: BinaryIO) -> tuple[int, dict[str, str]]:
    version, _, rest = _readline(file).decode("latin-1").strip().partition(" ")
    code = rest.partition(" ")[0]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise ProtocolError(f"not an HTTP/1.x status line: {version} {rest}"[:200])
    headers: dict[str, Any] = {}
    for _ in range(_MAX_HEADERS):
        line = _readline(file)
        if line in (b"\r\n", b"\n"):
            return int(code), headers
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    raise ProtocolError("too many header lines")


def _read_exactly(file: BinaryIO, size: int) -> bytes:
    data = file.read(size)
    if len(data) != size:
        raise ProtocolError(f"the connection closed after {len(data)} of {size} bytes")
    return data


def _read_chunks(file: BinaryIO) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int(_readline(file).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while _readline(file) not in (b"\r\n", b"\n"):  # trailers
                pass
            return b"".join(parts)
        parts.append(_read_exactly(file, size))
        _readline(file)  # the CRLF after each chunk
