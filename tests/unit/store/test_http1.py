"""The store client's HTTP/1.1 connection against a server that answers with scripted bytes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from orchestrator.store.http1 import Http1Connection, ProtocolError


class RawServer:
    """Accepts connections; answers each request with the next scripted bytes (and closes the
    connection after an answer when told to)."""

    def __init__(self) -> None:
        self.answers: list[tuple[bytes, bool]] = []
        self.accepted = 0
        self.requests: list[bytes] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as file:
            while self.answers:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = file.readline()
                    if not line:
                        return
                    head += line
                length = int(next(h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")))
                self.requests.append(head + file.read(length))
                answer, close = self.answers.pop(0)
                conn.sendall(answer)
                if close:
                    return

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def raw() -> Iterator[RawServer]:
    server = RawServer()
    yield server
    server.close()


def _post(connection: Http1Connection) -> tuple[int, dict[str, str], bytes]:
    return connection.post("/", {"host": "x", "x-amz-target": "T"}, b'{"a":1}')


def test_a_body_with_a_length_and_one_in_chunks(raw):
    raw.answers = [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Amz-Crc32: 1\r\n\r\n{}", False),
        (b"HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4;x=y\r\n\":1}\r\n0\r\n\r\n", False),
    ]
    connection = Http1Connection("127.0.0.1", raw.port, timeout=5)
    assert _post(connection) == (200, {"content-length": "2", "x-amz-crc32": "1"}, b"{}")
    status, _, body = _post(connection)
    assert (status, body) == (400, b'{"a":1}')
    # one connection, and the request carried its length and headers
    assert raw.accepted == 1
    assert raw.requests[0].startswith(b"POST / HTTP/1.1\r\nhost: x\r\nx-amz-target: T\r\ncontent-length: 7\r\n\r\n")


def test_an_interim_answer_is_skipped_and_a_closing_server_is_reconnected(raw):
    raw.answers = [
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n1", True),
        (b"HTTP/1.1 200 OK\r\n\r\nuntil the end", True),
    ]
    connection = Http1Connection("127.0.0.1", raw.port, timeout=5)
    assert _post(connection)[2] == b"1"
    assert _post(connection)[2] == b"until the end"
    assert raw.accepted == 2


def test_an_answer_cut_short_is_a_connection_error(raw):
    raw.answers = [(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n123", True)]
    connection = Http1Connection("127.0.0.1", raw.port, timeout=5)
    with pytest.raises(ProtocolError):
        _post(connection)
    assert connection.sock is None  # the next request opens a new connection


def test_a_non_http_answer_is_a_connection_error(raw):
    raw.answers = [(b"SSH-2.0-OpenSSH\r\n\r\n", True)]
    with pytest.raises(ConnectionError):
        _post(Http1Connection("127.0.0.1", raw.port, timeout=5))
