"""The Tornado integration: a Tornado application served by Tornado's own HTTP server on
127.0.0.1 (its asyncio loop in a thread), reporting to a real Sentry-compatible loopback
server. The integration is switched on by ``init()`` itself (Tornado is imported)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("tornado")

import tornado.httpserver
import tornado.netutil
import tornado.web
from wsgi_helpers import concurrently, delivered, raw_bytes, request

import sentry_lite
from sentry_lite.integrations import installed
from sentry_lite.integrations.tornado import TornadoIntegration

TRACE_ID = "5b8efff798038103d269b633813fc60c"
PARENT_SPAN = "eee19b7ec3c1b174"
CONCURRENT = 20
_inside: list[int] = []


class Boom(Exception):
    pass


class BoomHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        raise Boom("the handler raised")

    def post(self) -> None:
        raise Boom("could not submit")


class UserHandler(tornado.web.RequestHandler):
    async def get(self, user_id: str) -> None:
        sentry_lite.set_user({"id": user_id})
        sentry_lite.set_tag("request.user", user_id)
        sentry_lite.add_breadcrumb(message=f"crumb {user_id}")
        _inside.append(1)
        for _ in range(1000):  # every request is inside its handler at once
            if len(_inside) >= CONCURRENT:
                break
            await asyncio.sleep(0.005)
        raise Boom(f"failed for {user_id}")


class UnavailableHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        raise tornado.web.HTTPError(503)


class FineHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write("fine")


class LoggedInHandler(tornado.web.RequestHandler):
    def get_current_user(self) -> Any:
        return self.request.headers.get("X-Login")

    def get(self) -> None:
        raise Boom("logged in, then failed")


def make_app() -> tornado.web.Application:
    return tornado.web.Application([
        (r"/boom", BoomHandler),
        (r"/users/(\d+)", UserHandler),
        (r"/unavailable", UnavailableHandler),
        (r"/fine", FineHandler),
        (r"/login", LoggedInHandler),
    ])


@contextlib.contextmanager
def serve(app: tornado.web.Application) -> Iterator[str]:
    """Tornado's HTTPServer on a free port, its asyncio loop in a thread."""
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    port = sockets[0].getsockname()[1]
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    server: list[tornado.httpserver.HTTPServer] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        http_server = tornado.httpserver.HTTPServer(app)
        http_server.add_sockets(sockets)
        server.append(http_server)
        loop.call_soon(ready.set)
        loop.run_forever()
        loop.close()

    thread = threading.Thread(target=run, name="test-tornado", daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(server[0].stop)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


@pytest.fixture
def served(sentry_server: Any) -> Any:
    def start(**options: Any) -> Any:
        sentry_lite.init(dsn=sentry_server.dsn, **options)
        return serve(make_app())

    return start


def test_an_error_arrives_with_the_request_named_after_the_handler(
    sentry_server, served
) -> None:
    with served() as base:
        assert request(base, "/boom?q=shoes").status == 500
    delivered(sentry_server, events=1)

    (event,) = sentry_server.events  # tornado's own log record of it was deduplicated
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "Boom"
    assert exception["mechanism"] == {"type": "tornado", "handled": False}
    assert event["transaction"] == "test_tornado.BoomHandler.get"
    assert event["transaction_info"] == {"source": "component"}
    assert event["request"]["url"] == f"{base}/boom"
    assert event["request"]["query_string"] == "q=shoes"
    assert event["request"]["method"] == "GET"
    assert "tornado" in event["sdk"]["integrations"]


def test_an_incoming_trace_yields_a_transaction_in_that_trace(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0, disabled_integrations=["stdlib"]) as base:
        request(base, "/fine", headers={"sentry-trace": f"{TRACE_ID}-{PARENT_SPAN}-1",
                                        "baggage": "sentry-trace_id=" + TRACE_ID})
    delivered(sentry_server, transactions=1)

    (tx,) = sentry_server.transactions
    trace = tx["contexts"]["trace"]
    assert (trace["trace_id"], trace["parent_span_id"]) == (TRACE_ID, PARENT_SPAN)
    assert (trace["op"], trace["origin"], trace["status"]) == (
        "http.server", "auto.http.tornado", "ok")
    assert tx["transaction"] == "test_tornado.FineHandler.get"
    assert tx["transaction_info"] == {"source": "component"}
    assert trace["data"]["http.response.status_code"] == 200
    (envelope,) = [e for e in sentry_server.envelopes
                   if any(i.type == "transaction" for i in e.items)]
    assert envelope.headers["trace"]["trace_id"] == TRACE_ID


def test_an_error_event_and_its_transaction_share_name_and_span(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/boom")
    delivered(sentry_server, events=1, transactions=1)
    (event,), (tx,) = sentry_server.events, sentry_server.transactions
    assert event["transaction"] == tx["transaction"] == "test_tornado.BoomHandler.get"
    assert event["contexts"]["trace"]["span_id"] == tx["contexts"]["trace"]["span_id"]
    assert tx["contexts"]["trace"]["status"] == "internal_error"
    assert "data" not in tx["request"]


def test_concurrent_requests_each_carry_their_own_scope(sentry_server, served) -> None:
    _inside.clear()
    with served() as base:
        statuses = concurrently(CONCURRENT, lambda i: request(base, f"/users/{i}").status)
    assert statuses == [500] * CONCURRENT
    delivered(sentry_server, events=CONCURRENT)

    seen = set()
    for event in sentry_server.events:
        user_id = event["request"]["url"].rsplit("/", 1)[1]
        assert event["user"] == {"id": user_id}
        assert event["tags"]["request.user"] == user_id
        crumbs = [c["message"] for c in event["breadcrumbs"]["values"] if c.get("message")]
        assert f"crumb {user_id}" in crumbs
        assert [c for c in crumbs if c.startswith("crumb ")] == [f"crumb {user_id}"]
        assert event["exception"]["values"][-1]["value"] == f"failed for {user_id}"
        seen.add(user_id)
    assert seen == {str(i) for i in range(CONCURRENT)}


SECRETS = {
    "Cookie": "session=SESSIONSECRET; theme=COOKIEVALUE",
    "Authorization": "Basic QVVUSFNFQ1JFVA==",
    "X-Forwarded-For": "203.0.113.77",
    "X-Login": "42",
}


def test_without_send_default_pii_no_cookie_auth_ip_or_user_is_sent(
    sentry_server, served
) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/login", headers=SECRETS)
    delivered(sentry_server, events=1, transactions=1)
    received = raw_bytes(sentry_server)
    assert b"logged in, then failed" in received
    for secret in (b"SESSIONSECRET", b"COOKIEVALUE", b"QVVUSFNFQ1JFVA", b"203.0.113.77",
                   b"REMOTE_ADDR", b"is_authenticated"):
        assert secret not in received, secret
    for event in (sentry_server.events[0], sentry_server.transactions[0]):
        assert "user" not in event
        assert "cookies" not in event["request"]


def test_with_send_default_pii_the_current_user_and_address_are_sent(
    sentry_server, served
) -> None:
    with served(send_default_pii=True) as base:
        request(base, "/login", headers=SECRETS)
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert event["user"] == {"is_authenticated": True, "ip_address": "203.0.113.77"}
    assert event["request"]["cookies"] == {"session": "[Filtered]", "theme": "COOKIEVALUE"}
    assert event["request"]["env"] == {"REMOTE_ADDR": "127.0.0.1"}


def test_form_and_json_bodies_go_with_errors(sentry_server, served) -> None:
    with served() as base:
        request(base, "/boom", "POST", {"Content-Type": "application/x-www-form-urlencoded"},
                b"name=Ada&password=hunter2")
        request(base, "/boom", "POST", {"Content-Type": "application/json"},
                json.dumps({"items": [1, 2], "token": "t0k3n"}).encode())
    delivered(sentry_server, events=2)
    as_json, as_form = sorted(
        sentry_server.events, key=lambda e: e["request"]["headers"]["Content-Type"]
    )
    assert as_form["request"]["data"] == {"name": "Ada", "password": "[Filtered]"}
    assert as_json["request"]["data"] == {"items": [1, 2], "token": "[Filtered]"}
    assert b"hunter2" not in raw_bytes(sentry_server)


def test_an_http_error_is_reported_by_its_status_only_when_failed(
    sentry_server, served
) -> None:
    with served() as base:
        assert request(base, "/unavailable").status == 503
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert event["message"] == "HTTP 503 Service Unavailable"
    assert event["transaction"] == "test_tornado.UnavailableHandler.get"
    assert "exception" not in event


def test_failed_request_status_codes_can_be_narrowed(sentry_server, served) -> None:
    integration = TornadoIntegration(failed_request_status_codes={500})
    with served(integrations=[integration]) as base:
        assert request(base, "/unavailable").status == 503
        assert request(base, "/boom").status == 500
    delivered(sentry_server, events=1)
    sentry_lite.flush(2)
    (event,) = sentry_server.events
    assert event["exception"]["values"][-1]["type"] == "Boom"


def test_without_the_integration_tornado_is_left_alone(sentry_server, served) -> None:
    with served(disabled_integrations=[TornadoIntegration]) as base:
        assert request(base, "/boom").status == 500
    sentry_lite.flush(2)
    assert all("tornado" not in e["sdk"]["integrations"] for e in sentry_server.events)
    assert all("request" not in e for e in sentry_server.events)


def test_uninstalling_restores_tornado(sentry_init) -> None:
    before = vars(tornado.web.RequestHandler)["_execute"]
    sentry_init()
    assert "tornado" in installed()
    assert vars(tornado.web.RequestHandler)["_execute"] is not before
    sentry_lite.integrations.uninstall_all()
    assert vars(tornado.web.RequestHandler)["_execute"] is before
