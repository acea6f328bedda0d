"""The LoopbackServer itself, driven with the stdlib's http.client (no SDK involved)."""

from __future__ import annotations

import gzip
import http.client
import socket
import threading

import pytest

from sentry_lite._loopback import LoopbackServer, Reply
from sentry_lite.envelope import Envelope

AUTH = {"X-Sentry-Auth": "Sentry sentry_key=public, sentry_version=7"}


def _envelope(event_id: str = "a" * 32, message: str = "hi") -> bytes:
    envelope = Envelope(headers={"event_id": event_id})
    envelope.add_event({"event_id": event_id, "message": message})
    return envelope.serialize()


def _post(
    server: LoopbackServer,
    body: bytes,
    headers: dict[str, str] | None = None,
    path: str | None = None,
    timeout: float = 5.0,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request("POST", path or f"/api/{server.project_id}/envelope/", body, headers or AUTH)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_plain_envelope_is_recorded_and_decoded() -> None:
    with LoopbackServer() as server:
        status, _, body = _post(server, _envelope())
        assert status == 200
        assert body == b'{"id":"' + b"a" * 32 + b'"}'
        (request,) = server.requests
        assert request.method == "POST"
        assert request.path == "/api/1/envelope/"
        assert request.header("x-sentry-auth") == AUTH["X-Sentry-Auth"]
        assert request.accepted and not request.proxied
        assert server.events == [{"event_id": "a" * 32, "message": "hi"}]
        assert server.statuses == [200]
        assert server.dsn == f"http://public@127.0.0.1:{server.port}/1"
        assert server.envelope_url == f"http://127.0.0.1:{server.port}/api/1/envelope/"


def test_gzip_body_is_decompressed_and_raw_body_kept() -> None:
    raw = _envelope(message="zipped")
    compressed = gzip.compress(raw)
    with LoopbackServer() as server:
        status, _, _ = _post(server, compressed, {**AUTH, "Content-Encoding": "gzip"})
        assert status == 200
        (request,) = server.requests
        assert request.body == compressed
        assert request.data == raw
        assert server.events[0]["message"] == "zipped"


def test_unknown_project_missing_key_and_garbage_are_rejected() -> None:
    with LoopbackServer(project_id=7, public_key="k") as server:
        key = {"X-Sentry-Auth": "Sentry sentry_key=k"}
        assert _post(server, _envelope(), key, path="/api/1/envelope/")[0] == 404
        assert _post(server, _envelope(), {}, path="/api/7/envelope/")[0] == 401
        garbage = {"X-Sentry-Auth": "Sentry sentry_key=k", "Content-Encoding": "gzip"}
        assert _post(server, b"not gzip", garbage, path="/api/7/envelope/")[0] == 400
        assert server.statuses == [404, 401, 400]
        assert server.requests[2].error is not None
        assert server.envelopes == []  # nothing was accepted


def test_key_in_query_string_is_accepted() -> None:
    with LoopbackServer() as server:
        status, _, _ = _post(server, _envelope(), {}, path="/api/1/envelope/?sentry_key=public")
        assert status == 200


def test_scripted_replies_then_default() -> None:
    limits = {"X-Sentry-Rate-Limits": "60:error:key"}
    with LoopbackServer() as server:
        server.script(Reply(429, limits), 503)
        first = _post(server, _envelope())
        assert first[0] == 429
        assert first[1]["X-Sentry-Rate-Limits"] == "60:error:key"
        assert _post(server, _envelope())[0] == 503
        assert _post(server, _envelope())[0] == 200
        server.reply_with(500)
        assert _post(server, _envelope())[0] == 500
        assert server.statuses == [429, 503, 200, 500]
        assert len(server.envelopes) == 1  # only the 200 counts as accepted
        assert len(server.requests) == 4


def test_hang_records_the_request_and_never_answers() -> None:
    with LoopbackServer() as server:
        server.hang()
        with pytest.raises(socket.timeout):
            _post(server, _envelope(), timeout=0.3)
        assert server.wait_for_requests(1)
        assert server.statuses == [None]
        assert server.events == []
        server.behave()
        assert _post(server, _envelope())[0] == 200


def test_release_closes_hung_connections_without_answer() -> None:
    with LoopbackServer() as server:
        server.hang()
        errors: list[BaseException] = []

        def client() -> None:
            try:
                _post(server, _envelope(), timeout=10)
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=client)
        thread.start()
        assert server.wait_for_requests(1)
        server.release()
        thread.join(10)
        assert not thread.is_alive()
        assert isinstance(errors[0], (http.client.RemoteDisconnected, ConnectionError))


def test_slow_reply_is_answered_and_wait_for_returns_when_it_lands() -> None:
    with LoopbackServer() as server:
        server.slow(0.2)
        result: list[int] = []
        thread = threading.Thread(target=lambda: result.append(_post(server, _envelope())[0]))
        thread.start()
        assert server.wait_for_events(1, timeout=10)
        thread.join()
        assert result == [200]


def test_down_refuses_connections_and_up_serves_the_same_dsn() -> None:
    with LoopbackServer() as server:
        dsn = server.dsn
        server.go_down()
        assert not server.is_up
        with pytest.raises(ConnectionRefusedError):
            _post(server, _envelope())
        server.come_up()
        assert server.dsn == dsn
        assert _post(server, _envelope())[0] == 200


def test_go_down_cuts_kept_alive_connections() -> None:
    with LoopbackServer() as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("POST", "/api/1/envelope/", _envelope(), AUTH)
        assert conn.getresponse().read()
        server.go_down()
        with pytest.raises((ConnectionError, http.client.HTTPException)):
            conn.request("POST", "/api/1/envelope/", _envelope(), AUTH)
            conn.getresponse()
        conn.close()


def test_chunked_request_body() -> None:
    raw = _envelope(message="chunked")
    with LoopbackServer() as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("POST", "/api/1/envelope/", iter([raw[:10], raw[10:]]), AUTH,
                     encode_chunked=True)
        assert conn.getresponse().status == 200
        conn.close()
        assert server.events[0]["message"] == "chunked"


def test_chunk_extensions_and_trailers_keep_the_connection_framed() -> None:
    # Written by hand on a raw socket: extensions and a trailer, then a second request on the
    # same connection, which is read right only if the trailer was consumed with the body.
    first, second = _envelope(message="first"), _envelope(message="second")
    head = (b"POST /api/1/envelope/ HTTP/1.1\r\nHost: x\r\n"
            b"X-Sentry-Auth: Sentry sentry_key=public\r\n")
    chunked = (head + b"Transfer-Encoding: chunked\r\n\r\n"
               + b"%x;name=value\r\n%s\r\n" % (len(first), first)
               + b"0\r\nX-Trailer: yes\r\n\r\n")
    plain = head + b"Content-Length: %d\r\n\r\n%s" % (len(second), second)
    with LoopbackServer() as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(chunked + plain)
        assert server.wait_for_events(2)
        assert [event["message"] for event in server.events] == ["first", "second"]
        assert server.connections_accepted == 1


def test_absolute_target_is_a_proxied_request() -> None:
    with LoopbackServer() as server:
        target = "http://sentry.example.invalid/api/1/envelope/"
        assert _post(server, _envelope(), path=target)[0] == 200
        (request,) = server.requests
        assert request.proxied
        assert request.target == target
        assert request.path == "/api/1/envelope/"


def test_client_reports_and_discarded_sums() -> None:
    envelope = Envelope()
    envelope.add_client_report({
        "timestamp": 1.0,
        "discarded_events": [
            {"reason": "queue_overflow", "category": "error", "quantity": 3},
            {"reason": "ratelimit_backoff", "category": "error", "quantity": 2},
            {"reason": "queue_overflow", "category": "transaction", "quantity": 1},
        ],
    })
    with LoopbackServer() as server:
        assert _post(server, envelope.serialize())[0] == 200
        assert server.discarded() == 6
        assert server.discarded("queue_overflow") == 4
        assert server.discarded(category="error") == 5
        assert server.discarded("ratelimit_backoff", "transaction") == 0
        assert len(server.items_of("client_report")) == 1
        server.clear()
        assert server.requests == []


def test_wait_for_times_out_with_false() -> None:
    with LoopbackServer() as server:
        assert server.wait_for_events(1, timeout=0.05) is False
        assert server.wait_for(lambda s: s.statuses == [], timeout=0) is True


def test_a_client_that_resets_mid_request_is_not_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import struct

    with LoopbackServer() as server:
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(b"POST /api/1/envelope/ HTTP/1.1\r\nContent-Length: 100\r\n\r\npartial")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # a reset, the body never complete
        assert _post(server, _envelope())[0] == 200  # the server carries on
        assert server.wait_for(lambda s: s.connections_accepted == 2)
    assert "Traceback" not in capsys.readouterr().err
