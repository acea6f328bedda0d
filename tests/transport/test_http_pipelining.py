"""HTTP/1.1 pipelining in HttpTransport: envelopes queued behind the one being sent go
out with it on the kept-alive connection, and every one arrives exactly once whatever
the server does with the requests it did not answer.

The server here is a raw socket server (the stdlib's HTTP servers hide how requests
arrive): it records, for each request, its connection and whether it was already in
the server's buffer before the previous answer went out (it came pipelined).
"""

from __future__ import annotations

import json
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from sentry_lite._options import build_options
from sentry_lite.envelope import Envelope
from sentry_lite.transport import _pool
from sentry_lite.transport._http import PIPELINE, HttpTransport


@dataclass
class Seen:
    connection: int
    event_id: str
    pipelined: bool  # read before the answer to the previous request was written


@dataclass
class RawServer:
    """A keep-alive HTTP/1.1 server on 127.0.0.1 answering envelopes with 200.

    ``first_delay``: seconds before the first answer of all (requests queue up meanwhile);
    ``close_after``: per connection, the answer to this request says ``Connection: close``
    and the connection closes (what is behind it is not read);
    ``drop_after``: per connection, after this many answers the connection closes
    without a word (a server that loses the requests of a pipeline);
    ``mute_after``: per connection, after this many answers nothing more is answered.
    """

    first_delay: float = 0.0
    close_after: int | None = None
    drop_after: int | None = None
    mute_after: int | None = None
    seen: list[Seen] = field(default_factory=list)
    connections: int = 0

    def __post_init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._answered_any = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def dsn(self) -> str:
        return f"http://public@127.0.0.1:{self._sock.getsockname()[1]}/1"

    def ids(self) -> list[str]:
        with self._lock:
            return [seen.event_id for seen in self.seen]

    def close(self) -> None:
        self._stop.set()
        self._sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                number = self.connections
            threading.Thread(target=self._serve, args=(conn, number), daemon=True).start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        buffer = b""
        answered = 0
        with conn:
            while True:
                request, buffer = self._read_request(conn, buffer)
                if request is None:
                    return
                event_id = _event_id(request)
                with self._lock:
                    self.seen.append(Seen(number, event_id, pipelined=bool(buffer)))
                if not self._answered_any and self.first_delay:
                    time.sleep(self.first_delay)
                    # the requests sent meanwhile are in the socket now: read them in
                    buffer += _read_available(conn)
                    with self._lock:
                        self.seen[-1].pipelined = False
                if self.mute_after is not None and answered >= self.mute_after:
                    self._stop.wait(30)
                    return
                closing = self.close_after is not None and answered + 1 == self.close_after
                head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                close = "Connection: close\r\n" if closing else ""
                conn.sendall((head + close + "\r\n{}").encode())
                answered += 1
                self._answered_any = True
                if closing:
                    _linger_close(conn)
                    return
                if self.drop_after is not None and answered >= self.drop_after:
                    _linger_close(conn)
                    return

    @staticmethod
    def _read_request(conn: socket.socket, buffer: bytes) -> tuple[bytes | None, bytes]:
        while b"\r\n\r\n" not in buffer:
            chunk = conn.recv(65536)
            if not chunk:
                return None, b""
            buffer += chunk
        head, _, rest = buffer.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None, b""
            rest += chunk
        return rest[:length], rest[length:]


def _read_available(conn: socket.socket) -> bytes:
    conn.setblocking(False)
    data = b""
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    except BlockingIOError:
        pass
    finally:
        conn.setblocking(True)
    return data


def _linger_close(conn: socket.socket) -> None:
    """Close after the client has read the answer: no reset under unread requests."""
    conn.shutdown(socket.SHUT_WR)
    conn.settimeout(2)
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


def _event_id(body: bytes) -> str:
    data = zlib.decompress(body, 16 + zlib.MAX_WBITS)
    return str(json.loads(data.split(b"\n", 1)[0])["event_id"])


def _envelope(n: int) -> Envelope:
    event_id = f"{n:032x}"
    envelope = Envelope(headers={"event_id": event_id})
    envelope.add_event({"event_id": event_id, "message": f"event {n}"})
    return envelope


@pytest.fixture
def raw() -> Iterator[list[RawServer]]:
    servers: list[RawServer] = []
    yield servers
    for server in servers:
        server.close()


@pytest.fixture
def transports() -> Iterator[list[HttpTransport]]:
    made: list[HttpTransport] = []
    yield made
    for transport in made:
        transport.kill()


def _start(
    raw: list[RawServer], transports: list[HttpTransport], server: RawServer, **options: object
) -> HttpTransport:
    raw.append(server)
    transport = HttpTransport(build_options(server.dsn, {"send_client_reports": False, **options}))
    transports.append(transport)
    return transport


def _send(transport: HttpTransport, first: int, count: int) -> list[str]:
    for n in range(first, first + count):
        transport.capture_envelope(_envelope(n))
    return [f"{n:032x}" for n in range(first, first + count)]


def test_envelopes_queued_behind_a_send_go_out_pipelined_on_one_connection(
    raw: list[RawServer], transports: list[HttpTransport]
) -> None:
    server = RawServer(first_delay=0.3)
    transport = _start(raw, transports, server)
    sent = _send(transport, 0, 1)  # a new connection carries one request
    time.sleep(0.1)  # the worker waits for the first answer while 20 more are queued
    sent += _send(transport, 1, 20)
    assert transport.flush(10)
    assert server.ids() == sent  # each once, in order
    assert server.connections == 1
    pipelined = [seen.pipelined for seen in server.seen]
    assert not pipelined[0]
    # the 20 went in one pipeline: each request but its first was in the server's buffer
    # before the answer to the one before it
    assert PIPELINE >= 20
    assert pipelined.count(True) == 19


def test_a_server_closing_after_an_answer_gets_the_rest_again_on_a_new_connection(
    raw: list[RawServer], transports: list[HttpTransport]
) -> None:
    server = RawServer(first_delay=0.3, close_after=3)
    transport = _start(raw, transports, server)
    sent = _send(transport, 0, 2)
    time.sleep(0.1)
    sent += _send(transport, 2, 12)
    assert transport.flush(10)
    assert server.ids() == sent
    assert server.connections >= 2
    assert transport._channel.pipelining  # an announced close is not a fault


def test_a_server_dropping_a_pipeline_gets_each_request_once_and_no_more_pipelines(
    raw: list[RawServer], transports: list[HttpTransport]
) -> None:
    server = RawServer(first_delay=0.3, drop_after=2)
    transport = _start(raw, transports, server)
    sent = _send(transport, 0, 1)
    time.sleep(0.1)
    sent += _send(transport, 1, 10)
    assert transport.flush(10)
    assert sorted(server.ids()) == sorted(sent)
    assert len(server.ids()) == len(sent)
    assert not transport._channel.pipelining
    later = len(server.seen)
    sent = _send(transport, 100, 5)
    assert transport.flush(10)
    assert not any(seen.pipelined for seen in server.seen[later:])


def test_a_server_that_stops_answering_a_pipeline_times_out_and_keeps_the_rest(
    raw: list[RawServer], transports: list[HttpTransport], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_pool, "READ_TIMEOUT", 0.5)
    server = RawServer(first_delay=0.2, mute_after=2)
    transport = _start(raw, transports, server)
    _send(transport, 0, 1)
    time.sleep(0.1)
    _send(transport, 1, 6)
    deadline = time.monotonic() + 10
    while len(transport._retention) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    # two answered; the unanswered ones are kept for a retry, none lost or counted
    assert len(transport._retention) == 5
    assert not transport._channel.pipelining
    assert not transport.pending_client_reports()


def test_pipelining_can_be_turned_off(
    raw: list[RawServer], transports: list[HttpTransport]
) -> None:
    server = RawServer(first_delay=0.3)
    transport = _start(raw, transports, server, _experiments={"transport_pipelining": False})
    sent = _send(transport, 0, 1)
    time.sleep(0.1)
    sent += _send(transport, 1, 10)
    assert transport.flush(10)
    assert server.ids() == sent
    assert not any(seen.pipelined for seen in server.seen)


def test_under_sustained_traffic_envelopes_go_in_batches(
    raw: list[RawServer], transports: list[HttpTransport]
) -> None:
    # One envelope every millisecond: the worker waits a little (LINGER) before each
    # batch while traffic lasts, so most requests arrive pipelined behind another one.
    server = RawServer()
    transport = _start(raw, transports, server)
    sent = _send(transport, 0, 1)
    assert transport.flush(10)
    for n in range(1, 201):
        sent += _send(transport, n, 1)
        time.sleep(0.001)
    assert transport.flush(10)
    assert server.ids() == sent
    assert server.connections == 1
    assert sum(seen.pipelined for seen in server.seen) > 100
