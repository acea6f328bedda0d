"""The transport against servers that misbehave on purpose (``scripted.py``).

Each case asserts: every event delivered exactly once (or dropped and counted
where that is the right outcome), captures never wait for the server, flush()
bounded; the exit cases run in a subprocess and check the exit is bounded too.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripted import CLOSE, KEEP, RESET, Request, Scripted, ok

from sentry_lite._options import build_options
from sentry_lite.envelope import Envelope, Item
from sentry_lite.transport._http import HttpTransport

N = 20


def envelope(n: int, attachment: bytes | None = None) -> Envelope:
    event_id = f"{n:032x}"
    env = Envelope(headers={"event_id": event_id})
    env.add_event({"event_id": event_id, "message": f"event {n}"})
    if attachment is not None:
        env.add_item(Item(attachment, type="attachment", filename="big.bin"))
    return env


def eid(n: int) -> str:
    return f"{n:032x}"


@pytest.fixture
def transports() -> Iterator[list[HttpTransport]]:
    made: list[HttpTransport] = []
    yield made
    for transport in made:
        transport.kill()


def make(made: list[HttpTransport], server: Scripted, **options: object) -> HttpTransport:
    transport = HttpTransport(build_options(server.dsn, options))
    made.append(transport)
    return transport


def capture(transport: HttpTransport, numbers: range | list[int]) -> None:
    """Capture in another thread; it must be done at once, whatever the server does."""
    done = threading.Event()

    def run() -> None:
        for n in numbers:
            transport.capture_envelope(envelope(n))
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(5), "capture_envelope waited for the server"


def send_one_by_one(transport: HttpTransport, count: int = N) -> None:
    for n in range(count):
        capture(transport, [n])
        assert transport.flush(10)


def counted(server: Scripted, transport: HttpTransport, reason: str) -> int:
    """Items counted lost for ``reason``: reported to the server, or still pending."""
    pending = sum(q for (r, _), q in transport.pending_client_reports().items() if r == reason)
    return pending + sum(request.discarded(reason) for request in server.requests)


def exactly_once(server: Scripted, count: int = N) -> None:
    assert Counter(server.accepted) == Counter(eid(n) for n in range(count))


# -- the rows of the issue -------------------------------------------------------------

STRAY = {
    "stray CRLF after the body": ok(b"{}", b"") + b"\r\n",
    "204 with a body": b"HTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\n{}",
    "a longer body than announced": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}garbage",
}


@pytest.mark.parametrize("answer", list(STRAY.values()), ids=list(STRAY))
def test_stray_bytes_after_an_answer(transports: list[HttpTransport], answer: bytes) -> None:
    def script(server: Scripted, request: Request, conn: socket.socket) -> str:
        server.accept(request)
        conn.sendall(answer)
        return KEEP

    with Scripted(script) as server:
        send_one_by_one(make(transports, server))
        exactly_once(server)


def test_a_body_shorter_than_announced_then_close(transports: list[HttpTransport]) -> None:
    def script(server: Scripted, request: Request, conn: socket.socket) -> str:
        server.accept(request)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}")
        return CLOSE

    with Scripted(script) as server:
        send_one_by_one(make(transports, server))
        exactly_once(server)


def test_413_after_part_of_a_large_envelope_then_reset(transports: list[HttpTransport]) -> None:
    def script(server: Scripted, request: Request, conn: socket.socket) -> str:
        if not request.complete:
            conn.sendall(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            return RESET
        server.accept(request)
        conn.sendall(ok())
        return KEEP

    with Scripted(script, read_limit=64 * 1024) as server:
        transport = make(transports, server)
        transport.capture_envelope(envelope(99, attachment=os.urandom(4 * 1024 * 1024)))
        capture(transport, range(5))
        assert transport.flush(20)
        exactly_once(server, 5)
        assert transport.flush(5)  # the client report goes out too
        assert counted(server, transport, "send_error") == 2  # the event and its attachment
        assert sum(1 for r in server.requests if not r.complete) == 1  # never uploaded again


def test_500_for_one_envelope_does_not_hold_back_the_others(
    transports: list[HttpTransport],
) -> None:
    bad = eid(7)

    def script(server: Scripted, request: Request, conn: socket.socket) -> str:
        if request.event_id == bad:
            conn.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n")
        else:
            server.accept(request)
            conn.sendall(ok())
        return KEEP

    with Scripted(script) as server:
        transport = make(transports, server)
        capture(transport, range(N))
        for _ in range(20):  # each flush tries the kept one once more
            if transport.flush(5):
                break
        assert Counter(server.accepted) == Counter(eid(n) for n in range(N) if n != 7)
        attempts = sum(1 for r in server.requests if r.event_id == bad)
        assert 2 <= attempts <= 6  # retried, a bounded number of times, then dropped
        assert counted(server, transport, "network_error") == 1


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_to_the_real_endpoint(transports: list[HttpTransport], status: int) -> None:
    def script(server: Scripted, request: Request, conn: socket.socket) -> str:
        if request.head.startswith(b"POST /api/1/envelope/ "):
            conn.sendall(b"HTTP/1.1 %d Moved\r\nLocation: /real/api/1/envelope/\r\n"
                         b"Content-Length: 0\r\n\r\n" % status)
        else:
            server.accept(request)
            conn.sendall(ok())
        return KEEP

    with Scripted(script) as server:
        send_one_by_one(make(transports, server))
        exactly_once(server)


# -- more misbehaviour -----------------------------------------------------------------

ODD = {
    "chunked with trailers": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              b"2\r\n{}\r\n0\r\nX-Trailer: yes\r\n\r\n", KEEP),
    "100 Continue first": (b"HTTP/1.1 100 Continue\r\n\r\n" + ok(), KEEP),
    "HTTP/1.0, body to the close": (b"HTTP/1.0 200 OK\r\n\r\n{}", CLOSE),
    "close after each answer": (ok(extra=b"Connection: close\r\n"), CLOSE),
}


@pytest.mark.parametrize("answer", list(ODD.values()), ids=list(ODD))
def test_odd_but_valid_answers(transports: list[HttpTransport], answer: tuple[bytes, str]) -> None:
    def script(server: Scripted, request: Request, conn: socket.socket) -> str:
        server.accept(request)
        conn.sendall(answer[0])
        return answer[1]

    with Scripted(script) as server:
        transport = make(transports, server)
        capture(transport, range(N))
        assert transport.flush(20)
        exactly_once(server)


def test_idle_close_racing_the_next_send(transports: list[HttpTransport]) -> None:
    def script(server: Scripted, request: Request, conn: socket.socket) -> str:
        server.accept(request)
        conn.sendall(ok())
        conn.settimeout(0.05)  # the server drops a connection idle for 50 ms
        return KEEP

    with Scripted(script) as server:
        transport = make(transports, server)
        for n in range(N):
            capture(transport, [n])
            assert transport.flush(10)
            time.sleep(0.045 + (n % 3) * 0.005)  # around the server's idle limit
        exactly_once(server)


def test_429_with_only_retry_after(transports: list[HttpTransport]) -> None:
    def script(server: Scripted, request: Request, conn: socket.socket) -> str:
        if request.n == 0:
            conn.sendall(b"HTTP/1.1 429 Too Many\r\nRetry-After: 60\r\nContent-Length: 0\r\n\r\n")
        else:
            server.accept(request)
            conn.sendall(ok())
        return KEEP

    with Scripted(script) as server:
        transport = make(transports, server)
        capture(transport, [0])
        assert transport.flush(10)
        capture(transport, range(1, 5))  # limited: dropped and counted, not sent
        assert transport.flush(10)
        assert len(server.requests) == 1 and server.accepted == []
        assert transport.pending_client_reports() == {("ratelimit_backoff", "error"): 4}


def test_503_with_retry_after(transports: list[HttpTransport]) -> None:
    def script(server: Scripted, request: Request, conn: socket.socket) -> str:
        if request.n == 0:
            conn.sendall(b"HTTP/1.1 503 Busy\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n")
        else:
            server.accept(request)
            conn.sendall(ok())
        return KEEP

    with Scripted(script) as server:
        transport = make(transports, server)
        capture(transport, range(N))
        deadline = time.monotonic() + 15
        while not transport.flush(2) and time.monotonic() < deadline:
            pass
        exactly_once(server)


def test_ipv6_loopback(transports: list[HttpTransport]) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 in this Python")
    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        pytest.skip("::1 is not available here")

    def script(server: Scripted, request: Request, conn: socket.socket) -> str:
        server.accept(request)
        conn.sendall(ok())
        return KEEP

    with Scripted(script, family=socket.AF_INET6) as server:
        transport = make(transports, server)
        capture(transport, range(N))
        assert transport.flush(10)
        exactly_once(server)


def test_tls_with_an_unknown_certificate_sends_nothing_in_clear(
    transports: list[HttpTransport], monkeypatch: pytest.MonkeyPatch,
) -> None:
    trustme = pytest.importorskip("trustme")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)

    def script(server: Scripted, request: Request, conn: socket.socket) -> str:
        server.accept(request)
        conn.sendall(ok())
        return KEEP

    with Scripted(script, tls=context) as server:
        transport = make(transports, server)  # certifi does not know this authority
        capture(transport, range(3))
        assert transport.flush(2) is False  # kept for another try
        assert server.requests == [] and len(transport._sender.retention) == 3
        with authority.cert_pem.tempfile() as ca:
            trusting = make(transports, server, ca_certs=ca)
            capture(trusting, range(3, 6))
            assert trusting.flush(10)
        assert server.accepted == [eid(3), eid(4), eid(5)]


# -- servers that do not answer: bounded flush and exit --------------------------------

EXIT = """
import sys, time
import sentry_lite
sentry_lite.init(dsn=sys.argv[1], shutdown_timeout=2, debug=len(sys.argv) > 2)
if len(sys.argv) > 2:
    sentry_lite.capture_message("before a flush")
    sentry_lite.flush(0.3)
for n in range(5):
    sentry_lite.capture_message(f"exit {n}")
sys.stderr.write(f"CAPTURED {time.monotonic()}\\n")
"""


def _exit_seconds(dsn: str, *debug: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(EXIT), dsn, *debug],
                          capture_output=True, text=True, timeout=60, env=env, check=False)
    end = time.monotonic()
    assert proc.returncode == 0, proc.stderr
    captured = float(proc.stderr.split("CAPTURED ")[1].split()[0])
    assert proc.stderr.count("waiting up to") == 1  # says so once
    if debug:  # how many were left, and why: after the flush, and at exit
        assert "flush(0.3) timed out: 1 envelope(s) left: one waits for the server's answer" in (
            proc.stderr)
        assert "At exit, 6 envelope(s) left" in proc.stderr and "abandoned" in proc.stderr
    return end - captured


def test_a_server_that_never_answers(transports: list[HttpTransport]) -> None:
    def script(server: Scripted, request: Request, conn: socket.socket) -> str:
        server._closing.wait(30)  # accepts, reads, never answers
        return CLOSE

    with Scripted(script) as server:
        transport = make(transports, server)
        capture(transport, range(N))  # never waits
        assert transport.flush(0.5) is False  # bounded
        assert _exit_seconds(server.dsn) <= 2.5
        assert _exit_seconds(server.dsn, "debug") <= 2.5


def test_a_full_listen_backlog(transports: list[HttpTransport]) -> None:
    def script(server: Scripted, request: Request, conn: socket.socket) -> str:
        return CLOSE

    with Scripted(script, backlog=0, accept_connections=False) as server:
        fillers = []
        for _ in range(8):  # fill the queue of connections nobody accepts
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", server.listener.getsockname()[1]))
            fillers.append(filler)
        try:
            transport = make(transports, server)
            capture(transport, range(N))
            assert transport.flush(0.5) is False
            assert _exit_seconds(server.dsn) <= 2.5
        finally:
            for filler in fillers:
                filler.close()
