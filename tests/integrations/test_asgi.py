"""SentryAsgiMiddleware around a plain ASGI application served by a real uvicorn on
127.0.0.1, reporting to a real Sentry-compatible loopback server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

pytest.importorskip("uvicorn")

from asgi_helpers import request, serve
from wsgi_helpers import concurrently, delivered, raw_bytes, request_garbage

import sentry_lite
from sentry_lite.integrations.asgi import SentryAsgiMiddleware
from sentry_lite.testing import assert_valid_event

TRACE_ID = "771a43a4192642f0b136d5159a501700"
PARENT_SPAN = "b0e6f15b45c36b12"


class Boom(Exception):
    pass


async def respond(send: Any, status: int, body: bytes = b"ok") -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def app(scope: Any, receive: Any, send: Any) -> None:
    path = scope["path"]
    if path.startswith("/user/"):
        user_id = path.rsplit("/", 1)[1]
        sentry_lite.set_user({"id": user_id})
        sentry_lite.set_tag("request.user", user_id)
        await asyncio.sleep(0.001)  # let the other requests interleave
        raise Boom(f"failed for {user_id}")
    if path == "/boom":
        raise Boom("the route raised")
    if path == "/body":
        await read_body(receive)
        raise Boom("after reading the body")
    if path == "/handled":
        try:
            raise Boom("the application reported it")
        except Boom:
            sentry_lite.capture_exception()
        await respond(send, 500, b"sorry")
        return
    if path == "/unavailable":
        await respond(send, 503, b"come back later")
        return
    await respond(send, 200)


@pytest.fixture
def served(sentry_server: Any) -> Any:
    def start(middleware_options: dict[str, Any] | None = None, **options: Any) -> Any:
        sentry_lite.init(dsn=sentry_server.dsn, **options)
        return serve(SentryAsgiMiddleware(app, **(middleware_options or {})))

    return start


def test_an_error_arrives_with_the_request_and_handled_false(served, sentry_server) -> None:
    with served(traces_sample_rate=1.0) as base:
        response = request(base, "/boom?q=1", headers={"Host": "app.test", "X-Custom": "yes"})
    assert response.status == 500
    delivered(sentry_server, events=1, transactions=1)
    (event,) = sentry_server.events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "Boom"
    assert exception["mechanism"] == {"type": "asgi", "handled": False}
    # no router: named by the URL with the server's own address, as the official SDK does
    assert event["transaction"] == f"{base}/boom"
    assert event["transaction_info"] == {"source": "url"}
    req = event["request"]
    assert req["method"] == "GET"
    assert req["url"] == "http://app.test/boom"
    assert req["query_string"] == "q=1"
    assert req["headers"]["x-custom"] == "yes"  # as the server gave the name (lower case)
    (tx,) = sentry_server.transactions
    assert tx["transaction"] == f"{base}/boom"
    assert tx["contexts"]["trace"]["op"] == "http.server"
    assert tx["contexts"]["trace"]["status"] == "internal_error"
    assert tx["tags"]["asgi.type"] == "http"
    assert tx["request"]["url"] == "http://app.test/boom"
    assert event["contexts"]["trace"]["trace_id"] == tx["contexts"]["trace"]["trace_id"]


def test_concurrent_requests_keep_their_own_user(served, sentry_server) -> None:
    with served() as base:
        statuses = concurrently(50, lambda i: request(base, f"/user/{i}").status)
    assert statuses == [500] * 50
    delivered(sentry_server, events=50)
    seen = set()
    for event in sentry_server.events:
        user_id = event["user"]["id"]
        assert event["tags"]["request.user"] == user_id
        assert event["exception"]["values"][0]["value"] == f"failed for {user_id}"
        assert event["request"]["url"].endswith(f"/user/{user_id}")
        seen.add(user_id)
    assert seen == {str(i) for i in range(50)}


SECRETS = {
    "Cookie": "sessionid=cookie-secret-1; theme=cookie-secret-2",
    "Authorization": "Bearer auth-secret-3",
    "X-Forwarded-For": "203.0.113.7, 10.0.0.1",
    "X-Real-Ip": "198.51.100.9",
    "Forwarded": "for=192.0.2.60",
    "Host": "app.test",
}
CLIENT = "127.0.0.2"  # the client's own address, distinct from the server's


def test_no_cookie_authorization_or_address_without_send_default_pii(
    served, sentry_server
) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/boom", headers=SECRETS, source=CLIENT)
    delivered(sentry_server, events=1, transactions=1)
    sent = raw_bytes(sentry_server)
    for secret in ("cookie-secret", "auth-secret", "203.0.113.7", "10.0.0.1",
                   "198.51.100.9", "192.0.2.60", CLIENT):
        assert secret.encode() not in sent, secret
    for event in sentry_server.events + sentry_server.transactions:
        assert "cookies" not in event["request"]
        assert "env" not in event["request"]
        assert "ip_address" not in (event.get("user") or {})


def test_with_send_default_pii_cookies_and_address_are_sent(served, sentry_server) -> None:
    with served(send_default_pii=True) as base:
        request(base, "/boom", headers={"Cookie": "theme=dark", "Host": "app.test"},
                source=CLIENT)
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert event["request"]["cookies"] == {"theme": "dark"}
    assert event["request"]["env"] == {"REMOTE_ADDR": CLIENT}
    assert event["user"] == {"ip_address": CLIENT}


def test_an_incoming_sentry_trace_is_continued(served, sentry_server) -> None:
    headers = {
        "sentry-trace": f"{TRACE_ID}-{PARENT_SPAN}-1",
        "baggage": f"sentry-trace_id={TRACE_ID},sentry-sample_rate=1.0,other=kept",
    }
    with served(traces_sample_rate=0.0) as base:  # the incoming decision wins
        assert request(base, "/ok", headers=headers).status == 200
    delivered(sentry_server, transactions=1)
    (tx,) = sentry_server.transactions
    trace = tx["contexts"]["trace"]
    assert trace["trace_id"] == TRACE_ID
    assert trace["parent_span_id"] == PARENT_SPAN
    assert trace["status"] == "ok"
    assert trace["data"]["http.response.status_code"] == 200
    assert tx["contexts"]["response"] == {"status_code": 200}
    (envelope,) = [e for e in sentry_server.envelopes if e.items[0].type == "transaction"]
    assert envelope.headers["trace"]["trace_id"] == TRACE_ID


def test_failed_status_codes_are_reported_as_configured(served, sentry_server) -> None:
    with served() as base:
        assert request(base, "/unavailable").status == 503
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert event["message"] == "HTTP 503 Service Unavailable"
    assert event["transaction"] == f"{base}/unavailable"

    sentry_server.clear()
    quiet = {"failed_request_status_codes": {500}}
    with served(middleware_options=quiet) as base:
        assert request(base, "/unavailable").status == 503
        request(base, "/boom")
    delivered(sentry_server, events=1)
    assert [e["exception"]["values"][0]["type"] for e in sentry_server.events] == ["Boom"]


def test_a_500_whose_error_was_captured_is_reported_once(served, sentry_server) -> None:
    # The official middleware sends the exception event only; the failed status adds
    # nothing once an error of the request was reported (here by the application itself).
    with served() as base:
        assert request(base, "/handled").status == 500
        assert request(base, "/boom").status == 500
    delivered(sentry_server, events=2)
    assert sorted(e["exception"]["values"][0]["type"] for e in sentry_server.events) == [
        "Boom", "Boom"]
    assert not [e for e in sentry_server.events if "message" in e]


def test_the_body_the_application_read_is_sent_within_limits(served, sentry_server) -> None:
    payload = json.dumps({"item": "book", "password": "body-secret"}).encode()
    with served() as base:
        request(base, "/body", method="POST", body=payload,
                headers={"Content-Type": "application/json"})
        request(base, "/body", method="POST", body=b"a=1&b=2&b=3",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
        request(base, "/body", method="POST", body=b"x" * 20_000,
                headers={"Content-Type": "application/json"})
        request(base, "/boom", method="POST", body=b'{"never": "read"}',
                headers={"Content-Type": "application/json"})
    delivered(sentry_server, events=4)
    assert b"body-secret" not in raw_bytes(sentry_server)
    by_length = {int(e["request"]["headers"]["content-length"]): e for e in sentry_server.events}
    json_body, form = by_length[len(payload)], by_length[11]
    big, never_read = by_length[20_000], by_length[17]
    assert json_body["request"]["data"] == {"item": "book", "password": "[Filtered]"}
    assert form["request"]["data"] == {"a": "1", "b": ["2", "3"]}
    assert big["request"]["data"] == ""
    assert big["_meta"]["request"]["data"] == {"": {"rem": [["!config", "x"]]}}
    assert "data" not in never_read["request"]


def test_a_websocket_session_is_isolated_and_traced(sentry_init, sentry_events,
                                                     sentry_transactions) -> None:
    sentry_init(traces_sample_rate=1.0)

    async def ws_app(scope: Any, receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        sentry_lite.set_tag("socket", "mine")
        raise Boom("socket broke")

    async def drive() -> None:
        scope = {"type": "websocket", "path": "/ws", "headers": [(b"host", b"app.test")],
                 "query_string": b"", "scheme": "ws", "client": ("127.0.0.1", 5000)}
        inbox: asyncio.Queue[Any] = asyncio.Queue()
        await inbox.put({"type": "websocket.connect"})
        sent: list[Any] = []

        async def send(message: Any) -> None:
            sent.append(message)

        with pytest.raises(Boom):
            await SentryAsgiMiddleware(ws_app)(scope, inbox.get, send)
        assert sent == [{"type": "websocket.accept"}]

    asyncio.run(drive())
    assert "socket" not in sentry_lite.get_isolation_scope()._tags
    (event,) = sentry_events
    assert event["tags"]["socket"] == "mine"
    assert event["request"]["url"] == "ws://app.test/ws"
    (tx,) = sentry_transactions
    assert tx["contexts"]["trace"]["op"] == "websocket.server"
    for item in (event, tx):
        assert_valid_event(item)


def test_a_failing_lifespan_startup_is_reported(sentry_init, sentry_events) -> None:
    sentry_init()

    async def lifespan_app(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "lifespan"
        await receive()
        raise Boom("could not connect to the database")

    async def drive() -> None:
        inbox: asyncio.Queue[Any] = asyncio.Queue()
        await inbox.put({"type": "lifespan.startup"})

        async def send(message: Any) -> None:
            return None

        with pytest.raises(Boom):
            await SentryAsgiMiddleware(lifespan_app)({"type": "lifespan"}, inbox.get, send)

    asyncio.run(drive())
    (event,) = sentry_events
    assert event["exception"]["values"][0]["mechanism"] == {"type": "asgi", "handled": False}


@pytest.mark.parametrize("path", ["/ok", "/boom"])
def test_a_finished_request_is_freed_without_the_garbage_collector(
    sentry_init, sentry_transactions, path
) -> None:
    sentry_init(traces_sample_rate=1.0)
    middleware = SentryAsgiMiddleware(app)
    loop = asyncio.new_event_loop()

    async def one_request() -> None:
        scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
                 "query_string": b"", "headers": [(b"host", b"localhost")], "scheme": "http",
                 "server": ("localhost", 80), "client": ("127.0.0.1", 5000)}
        inbox = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive() -> Any:
            return inbox.pop(0) if inbox else {"type": "http.disconnect"}

        async def send(message: Any) -> None:
            return None

        try:
            await middleware(scope, receive, send)
        except Boom:
            pass

    try:
        loop.run_until_complete(one_request())  # warm-up
        left = request_garbage(lambda: loop.run_until_complete(one_request()))
    finally:
        loop.close()
    assert left == []
    assert len(sentry_transactions) == 2
