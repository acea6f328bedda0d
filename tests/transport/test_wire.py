"""The transport's own HTTP/1.1 client, against real servers on 127.0.0.1.

``LoopbackServer`` for the ordinary exchange; ``Canned``, a raw TCP server that
answers each request with scripted bytes, for the answers a real server may give
(chunked, interim 100, HTTP/1.0, no length, garbage, a close instead of an answer).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from sentry_lite._loopback import LoopbackServer, Reply
from sentry_lite._options import build_options
from sentry_lite.envelope import Envelope
from sentry_lite.transport import _wire
from sentry_lite.transport._http import HttpTransport
from sentry_lite.transport._wire import (
    MAX_BODY,
    Connection,
    Headers,
    ProtocolError,
    StaleConnection,
)

CLOSE = None  # in a Canned script: close the connection instead of answering


def request(body: bytes = b"{}\n", path: str = "/api/1/envelope/") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nX-Sentry-Auth: Sentry sentry_key=public\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class Canned:
    """Accepts connections; answers the n-th request with ``script[n]`` (bytes, or CLOSE)."""

    def __init__(self, *script: bytes | tuple[bytes, ...] | None) -> None:
        self.script = list(script)
        self.accepted = 0
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        stream = conn.makefile("rb")
        with conn, stream:
            while True:
                length = None
                line = stream.readline()
                if not line:
                    return
                while line not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                    line = stream.readline()
                stream.read(length or 0)
                answer = self.script[self.requests] if self.requests < len(self.script) else CLOSE
                self.requests += 1
                if answer is CLOSE:
                    return
                if isinstance(answer, tuple):  # in pieces, the client reading in between
                    for piece in answer:
                        conn.sendall(piece)
                        time.sleep(0.05)
                    continue
                conn.sendall(answer)

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def canned() -> Iterator[list[Canned]]:
    made: list[Canned] = []
    yield made
    for server in made:
        server.close()


def serve(
    made: list[Canned], *script: bytes | tuple[bytes, ...] | None
) -> tuple[Canned, Connection]:
    server = Canned(*script)
    made.append(server)
    return server, Connection("127.0.0.1", server.port)


def exchange(connection: Connection, body: bytes = b"{}\n") -> tuple[int, Headers]:
    connection.send(request(body), 5.0, 5.0)
    return connection.receive()


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"


# -- against the loopback server ------------------------------------------------------


def test_requests_share_one_kept_alive_connection() -> None:
    with LoopbackServer() as server:
        connection = Connection("127.0.0.1", server.port)
        envelope = Envelope(headers={"event_id": "a" * 32})
        envelope.add_event({"message": "hi"})
        for _ in range(3):
            status, headers = exchange(connection, envelope.serialize())
            assert status == 200
            assert headers.get("content-type") == "application/json"
        assert connection.reused  # the 2nd and 3rd went out on the first connection
        connection.close()
        assert server.connections_accepted == 1
        assert len(server.events) == 3


def test_headers_are_case_insensitive_and_repeated_ones_are_joined(
    canned: list[Canned],
) -> None:
    answer = (b"HTTP/1.1 429 Too Many\r\nX-Sentry-Rate-Limits: 60:error:key\r\n"
              b"x-sentry-rate-limits: 10:transaction:key\r\nContent-Length: 0\r\n\r\n")
    _, connection = serve(canned, answer)
    status, headers = exchange(connection)
    assert status == 429
    assert headers.get("X-SENTRY-RATE-LIMITS") == "60:error:key, 10:transaction:key"
    assert "x-sentry-rate-limits" in headers and headers["X-Sentry-Rate-Limits"]
    assert isinstance(headers, Headers)


def test_a_scripted_status_and_a_close_from_the_loopback_server() -> None:
    with LoopbackServer() as server:
        server.script(Reply(503, {"Connection": "close", "Retry-After": "7"}))
        connection = Connection("127.0.0.1", server.port)
        status, headers = exchange(connection, Envelope().serialize())
        assert (status, headers.get("retry-after")) == (503, "7")
        assert connection.sock is None  # the server said close: so do we
        assert exchange(connection, Envelope().serialize())[0] == 200
        assert not connection.reused and server.connections_accepted == 2


# -- answers a real server may give ---------------------------------------------------


def test_chunked_body_with_trailers_keeps_the_connection(canned: list[Canned]) -> None:
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"4;ext=1\r\n{\"id\r\n3\r\n\":1\r\n1\r\n}\r\n0\r\nX-Trailer: yes\r\n\r\n")
    server, connection = serve(canned, chunked, OK)
    assert exchange(connection)[0] == 200
    assert exchange(connection)[0] == 200
    assert connection.reused and server.accepted == 1


def test_interim_100_is_skipped(canned: list[Canned]) -> None:
    _, connection = serve(canned, b"HTTP/1.1 100 Continue\r\n\r\n" + OK)
    assert exchange(connection)[0] == 200


def test_http_1_0_closes_unless_kept_alive(canned: list[Canned]) -> None:
    one_oh = b"HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\n{\"id\": 1}"
    kept = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}"
    server, connection = serve(canned, one_oh, kept, OK)
    assert exchange(connection)[0] == 200
    assert connection.sock is None  # HTTP/1.0 without keep-alive: we close
    assert exchange(connection)[0] == 200  # on a new connection, kept alive this time
    assert exchange(connection)[0] == 200
    assert connection.reused and server.accepted == 2


def test_no_length_means_up_to_the_close(canned: list[Canned]) -> None:
    class Closing(Canned):
        def _connection(self, conn: socket.socket) -> None:
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\n\r\nall of this is the body")

    server = Closing()
    canned.append(server)
    connection = Connection("127.0.0.1", server.port)
    assert exchange(connection)[0] == 200
    assert connection.sock is None


def test_a_body_too_long_to_read_closes_instead(canned: list[Canned]) -> None:
    big = f"HTTP/1.1 200 OK\r\nContent-Length: {MAX_BODY + 1}\r\n\r\n".encode() + b"x" * 10
    server, connection = serve(canned, big, OK)
    assert exchange(connection)[0] == 200
    assert connection.sock is None
    assert exchange(connection)[0] == 200
    assert server.accepted == 2


@pytest.mark.parametrize("answer", [
    b"SMTP ready\r\n\r\n",
    b"HTTP/1.1 abc OK\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
])
def test_garbage_is_a_protocol_error(canned: list[Canned], answer: bytes) -> None:
    _, connection = serve(canned, answer)
    with pytest.raises(ProtocolError):
        exchange(connection)
    assert connection.sock is None


def test_a_close_without_answer_on_a_new_connection_is_not_stale(
    canned: list[Canned],
) -> None:
    _, connection = serve(canned, CLOSE)
    with pytest.raises(ConnectionError) as caught:
        exchange(connection)
    assert not isinstance(caught.value, StaleConnection)  # it might have been processed


def test_a_kept_alive_connection_closed_by_the_server_is_stale(canned: list[Canned]) -> None:
    server, connection = serve(canned, OK, CLOSE, OK)
    assert exchange(connection)[0] == 200
    with pytest.raises(StaleConnection):
        exchange(connection)  # read, then closed without a word: a stale keep-alive
    assert exchange(connection)[0] == 200  # a new connection
    assert server.accepted == 2


class ClosesWhenIdle(Canned):
    def _connection(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            self.requests += 1
            conn.sendall(OK)  # then closes, as a server's idle timeout would


def test_an_idle_connection_the_server_closed_is_replaced_before_sending(
    canned: list[Canned], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_wire, "IDLE_CHECK", 0.0)  # (as if idle for long)
    server = ClosesWhenIdle()
    canned.append(server)
    connection = Connection("127.0.0.1", server.port)
    assert exchange(connection)[0] == 200
    # Once the close has arrived, the next send sees it and connects again.
    sock = connection.sock
    assert sock is not None
    sock.settimeout(5)
    assert sock.recv(1, socket.MSG_PEEK) == b""  # the server's FIN is here
    assert exchange(connection)[0] == 200
    assert not connection.reused
    assert server.accepted == 2


def test_the_transport_sends_again_once_on_a_stale_connection(canned: list[Canned]) -> None:
    # Back to back, the closed connection is not checked first: the request meets the
    # close, and goes again on a new connection.
    server = ClosesWhenIdle()
    canned.append(server)
    transport = HttpTransport(build_options(f"http://public@127.0.0.1:{server.port}/1"))
    try:
        for n in range(3):
            envelope = Envelope(headers={"event_id": f"{n:032x}"})
            envelope.add_event({"message": f"event {n}"})
            transport.capture_envelope(envelope)
            assert transport.flush(10)
    finally:
        transport.kill()
    assert server.requests == 3 and server.accepted == 3
    assert len(transport._retention) == 0
    assert transport.pending_client_reports() == {}


def test_connection_refused_is_an_os_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    connection = Connection("127.0.0.1", port)
    with pytest.raises(OSError):
        exchange(connection)
    assert connection.sock is None


def test_receive_before_send_is_an_error() -> None:
    with pytest.raises(ProtocolError):
        Connection("127.0.0.1", 9).receive()


@pytest.mark.parametrize(
    "shape", ["whole", "in pieces", "bare line feeds", "no header at all"]
)
def test_an_answer_reads_the_same_however_its_head_arrives(
    canned: list[Canned], shape: str
) -> None:
    head = (b"HTTP/1.1 429 Too Many\r\nRetry-After: 7\r\nX-A: 1\r\nx-a: 2\r\n"
            b"Content-Length: 2\r\n\r\n")
    answers: dict[str, bytes | tuple[bytes, ...]] = {
        "whole": head + b"{}",
        "in pieces": (head[:20], head[20:45], head[45:] + b"{}"),
        "bare line feeds": head.replace(b"\r\n", b"\n") + b"{}",
        "no header at all": b"HTTP/1.1 204 No Content\r\n\r\n",
    }
    server, connection = serve(canned, answers[shape], OK)
    status, headers = exchange(connection)
    if shape == "no header at all":
        assert (status, dict(headers)) == (204, {})
    else:
        assert status == 429
        assert dict(headers) == {"retry-after": "7", "x-a": "1, 2", "content-length": "2"}
    assert exchange(connection)[0] == 200  # the body was read exactly: the next one is whole
    assert server.accepted == 1
