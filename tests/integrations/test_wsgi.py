"""SentryWsgiMiddleware around a plain WSGI application served by a real server (werkzeug's)
on 127.0.0.1, reporting to a real Sentry-compatible loopback server."""

from __future__ import annotations

import http.client
import json
import threading
from typing import Any

import pytest
from wsgi_helpers import concurrently, delivered, raw_bytes, request, request_garbage, serve

import sentry_lite
from sentry_lite.integrations.wsgi import SentryWsgiMiddleware

TRACE_ID = "771a43a4192642f0b136d5159a501700"
PARENT_SPAN = "b0e6f15b45c36b12"


OVERLAP: list[threading.Barrier] = []


class Boom(Exception):
    pass


def app(environ: dict[str, Any], start_response: Any) -> Any:
    path = environ["PATH_INFO"]
    if path.startswith("/user/"):
        user_id = path.rsplit("/", 1)[1]
        sentry_lite.set_user({"id": user_id})
        sentry_lite.set_tag("request.user", user_id)
        if OVERLAP:
            OVERLAP[0].wait(10)  # every request is inside the app at once
        raise Boom(f"failed for {user_id}")
    if path == "/boom":
        raise Boom("the route raised")
    if path == "/unavailable":
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"come back later"]
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return stream()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def stream() -> Any:
    sentry_lite.set_tag("streamed", "yes")
    yield b"one "
    with sentry_lite.start_span(op="stream.chunk", name="second chunk"):
        yield b"two "
    raise Boom("broke while streaming")


@pytest.fixture
def served(sentry_server: Any) -> Any:
    def start(**options: Any) -> Any:
        middleware_options = options.pop("middleware_options", None) or {}
        sentry_lite.init(dsn=sentry_server.dsn, **options)
        return serve(SentryWsgiMiddleware(app, **middleware_options))

    return start


def test_an_error_in_a_route_arrives_with_the_request(sentry_server, served) -> None:
    with served() as base:
        response = request(base, "/boom?page=2&token=abc", headers={"X-Custom": "yes"})
    assert response.status == 500
    delivered(sentry_server, events=1)

    (event,) = sentry_server.events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "Boom"
    assert exception["mechanism"] == {"type": "wsgi", "handled": False}
    assert event["transaction"] == "/boom"
    assert event["transaction_info"] == {"source": "url"}
    req = event["request"]
    assert req["method"] == "GET"
    assert req["url"] == f"{base}/boom"
    assert req["query_string"] == "page=2&token=[Filtered]"
    assert req["headers"]["X-Custom"] == "yes"
    assert req["headers"]["Host"] == base.removeprefix("http://")
    assert "data" not in req  # the plain middleware never reads the body


def test_concurrent_requests_each_carry_their_own_user(sentry_server, served) -> None:
    OVERLAP.append(threading.Barrier(50))
    try:
        with served() as base:
            statuses = concurrently(50, lambda i: request(base, f"/user/{i}").status)
    finally:
        OVERLAP.clear()
    assert statuses == [500] * 50
    delivered(sentry_server, events=50)

    seen = set()
    for event in sentry_server.events:
        user_id = event["request"]["url"].rsplit("/", 1)[1]
        assert event["user"] == {"id": user_id}
        assert event["tags"]["request.user"] == user_id
        assert event["exception"]["values"][-1]["value"] == f"failed for {user_id}"
        seen.add(user_id)
    assert seen == {str(i) for i in range(50)}


SECRETS = {
    "Cookie": "sessionid=SESSIONSECRET; theme=COOKIEVALUE",
    "Authorization": "Bearer AUTHSECRET",
    "X-Forwarded-For": "203.0.113.77, 10.0.0.1",
    "X-Real-Ip": "198.51.100.9",
    "Forwarded": "for=192.0.2.60;proto=http",
}
SECRET_VALUES = [
    b"SESSIONSECRET", b"COOKIEVALUE", b"AUTHSECRET", b"203.0.113.77", b"198.51.100.9",
    b"192.0.2.60", b"REMOTE_ADDR", b"ip_address",
]  # fmt: skip


def test_without_send_default_pii_no_cookie_auth_or_ip_reaches_the_server(
    sentry_server, served
) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/boom", headers=SECRETS)
    delivered(sentry_server, events=1, transactions=1)

    received = raw_bytes(sentry_server)
    assert b'"Boom"' in received  # the event is there...
    for secret in SECRET_VALUES:
        assert secret not in received, secret  # ...without any of these
    for event in (sentry_server.events[0], sentry_server.transactions[0]):
        assert "cookies" not in event["request"]
        assert "user" not in event
        headers = event["request"]["headers"]
        for name in SECRETS:
            assert headers[name] == "[Filtered]"


def test_with_send_default_pii_the_client_address_and_cookies_are_sent(
    sentry_server, served
) -> None:
    with served(send_default_pii=True) as base:
        request(base, "/boom", headers=SECRETS)
    delivered(sentry_server, events=1)

    (event,) = sentry_server.events
    assert event["user"] == {"ip_address": "203.0.113.77"}  # the first forwarded hop
    assert event["request"]["env"]["REMOTE_ADDR"] == "127.0.0.1"
    assert event["request"]["cookies"] == {"sessionid": "[Filtered]", "theme": "COOKIEVALUE"}
    assert event["request"]["headers"]["X-Real-Ip"] == "198.51.100.9"
    # Secrets stay filtered even with PII on.
    assert event["request"]["headers"]["Authorization"] == "[Filtered]"
    assert b"SESSIONSECRET" not in raw_bytes(sentry_server)


# The test's own http.client requests would otherwise carry the test thread's trace too.
NO_OUTGOING_HEADERS = {"disabled_integrations": ["stdlib"]}


def test_an_incoming_trace_is_continued(sentry_server, served) -> None:
    baggage = f"sentry-trace_id={TRACE_ID},sentry-sample_rand=0.25,sentry-environment=staging"
    with served(traces_sample_rate=1.0, **NO_OUTGOING_HEADERS) as base:
        request(base, "/boom", headers={
            "sentry-trace": f"{TRACE_ID}-{PARENT_SPAN}-1", "baggage": baggage,
        })
    delivered(sentry_server, events=1, transactions=1)

    (tx,) = sentry_server.transactions
    trace = tx["contexts"]["trace"]
    assert trace["trace_id"] == TRACE_ID
    assert trace["parent_span_id"] == PARENT_SPAN
    assert trace["op"] == "http.server"
    assert trace["origin"] == "manual"
    assert trace["status"] == "internal_error"
    assert tx["transaction"] == "/boom"
    assert tx["request"]["method"] == "GET"
    (event,) = sentry_server.events
    assert event["contexts"]["trace"]["trace_id"] == TRACE_ID
    assert event["contexts"]["trace"]["span_id"] == trace["span_id"]
    (tx_envelope,) = [e for e in sentry_server.envelopes if e.items[0].type == "transaction"]
    envelope_trace = tx_envelope.headers["trace"]
    assert envelope_trace["trace_id"] == TRACE_ID
    assert envelope_trace["environment"] == "staging"  # the incoming DSC, frozen


def test_without_tracing_errors_still_join_the_incoming_trace(sentry_server, served) -> None:
    with served(**NO_OUTGOING_HEADERS) as base:
        request(base, "/boom", headers={"sentry-trace": f"{TRACE_ID}-{PARENT_SPAN}-1"})
        request(base, "/boom")
    delivered(sentry_server, events=2)

    first, second = sentry_server.events
    assert first["contexts"]["trace"]["trace_id"] == TRACE_ID
    assert first["contexts"]["trace"]["parent_span_id"] == PARENT_SPAN
    assert second["contexts"]["trace"]["trace_id"] not in (TRACE_ID, None)
    assert sentry_server.transactions == []


def test_the_transaction_records_the_response_status(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0) as base:
        assert request(base, "/fine?x=1").body == b"ok"
    delivered(sentry_server, transactions=1)

    (tx,) = sentry_server.transactions
    assert tx["contexts"]["trace"]["status"] == "ok"
    assert tx["contexts"]["trace"]["data"]["http.response.status_code"] == 200
    assert tx["tags"]["http.status_code"] == "200"
    assert tx["request"]["query_string"] == "x=1"


def test_a_streamed_response_keeps_its_scopes_until_it_is_closed(sentry_server, served) -> None:
    # The server cuts the chunked response short.
    with served(traces_sample_rate=1.0) as base, pytest.raises(http.client.IncompleteRead):
        request(base, "/stream")
    delivered(sentry_server, events=1, transactions=1)

    (event,) = sentry_server.events
    assert event["exception"]["values"][-1]["value"] == "broke while streaming"
    assert event["exception"]["values"][-1]["mechanism"]["handled"] is False
    assert event["tags"]["streamed"] == "yes"  # set by the generator, in the request's scope
    assert event["transaction"] == "/stream"
    (tx,) = sentry_server.transactions
    assert [span["op"] for span in tx["spans"]] == ["stream.chunk"]  # ended after streaming
    assert tx["contexts"]["trace"]["status"] == "internal_error"
    assert event["contexts"]["trace"]["trace_id"] == tx["contexts"]["trace"]["trace_id"]


def test_a_failed_status_without_an_exception_is_reported(sentry_server, served) -> None:
    with served() as base:
        assert request(base, "/unavailable").status == 503
        assert request(base, "/fine").status == 200
    delivered(sentry_server, events=1)

    (event,) = sentry_server.events
    assert event["message"] == "HTTP 503 Service Unavailable"
    assert event["level"] == "error"
    assert event["tags"]["http.status_code"] == "503"
    assert event["transaction"] == "/unavailable"
    assert event["request"]["url"].endswith("/unavailable")


def test_failed_request_status_codes_is_honoured(sentry_server, served) -> None:
    options = {"failed_request_status_codes": {418}}
    with served(middleware_options=options) as base:
        request(base, "/unavailable")  # 503: not in the set
        request(base, "/boom")  # an exception is reported once, as the exception
        request(base, "/fine")
    delivered(sentry_server, events=1)
    sentry_lite.flush(2)
    assert [e["exception"]["values"][-1]["type"] for e in sentry_server.events] == ["Boom"]


def test_ignore_errors_is_honoured_and_no_status_event_replaces_the_error(
    sentry_server, served
) -> None:
    with served(ignore_errors=[Boom]) as base:
        request(base, "/boom")
        request(base, "/unavailable")
    delivered(sentry_server, events=1)
    sentry_lite.flush(2)
    assert [e.get("message") for e in sentry_server.events] == ["HTTP 503 Service Unavailable"]


def test_methods_not_traced_still_report_errors(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/boom", method="OPTIONS")
        request(base, "/fine", method="HEAD")
    delivered(sentry_server, events=1)
    sentry_lite.flush(2)
    assert sentry_server.transactions == []
    assert sentry_server.events[0]["request"]["method"] == "OPTIONS"


def test_without_a_client_the_middleware_passes_through() -> None:
    calls = []

    def plain(environ: dict[str, Any], start_response: Any) -> Any:
        calls.append(sorted(k for k in environ if k.startswith("sentry")))
        start_response("200 OK", [])
        return [b"plain"]

    with serve(SentryWsgiMiddleware(plain)) as base:
        assert request(base, "/").body == b"plain"
    assert calls == [[]]


def test_nested_middlewares_report_a_request_once(sentry_server) -> None:
    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0)
    with serve(SentryWsgiMiddleware(SentryWsgiMiddleware(app))) as base:
        request(base, "/boom")
    delivered(sentry_server, events=1, transactions=1)
    sentry_lite.flush(2)
    assert len(sentry_server.events) == 1
    assert len(sentry_server.transactions) == 1


def _environ(path: str) -> dict[str, Any]:
    """A GET request's environ, for calling the middleware without a server."""
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "wsgi.url_scheme": "http",
            "SERVER_NAME": "localhost", "SERVER_PORT": "80"}


def test_request_scopes_do_not_leak_into_the_server_thread(sentry_events) -> None:
    # Called directly (no server): after the response is done, the caller's scopes are back.
    sentry_lite.set_tag("outside", "yes")
    outside = sentry_lite.get_isolation_scope()
    environ = _environ("/stream")
    statuses = []
    response = SentryWsgiMiddleware(app)(environ, lambda s, h, e=None: statuses.append(s))
    assert sentry_lite.get_isolation_scope() is outside
    chunks = []
    with pytest.raises(Boom):
        for chunk in response:
            chunks.append(chunk)
            # the request's scopes are installed for each step of the body, not between them
            assert sentry_lite.get_isolation_scope() is outside
    assert sentry_lite.get_isolation_scope() is outside
    response.close()
    assert sentry_lite.get_isolation_scope() is outside
    assert outside._tags == {"outside": "yes"}
    assert chunks == [b"one ", b"two "]
    assert statuses == ["200 OK"]
    (event,) = sentry_events
    assert event["tags"] == {"outside": "yes", "streamed": "yes"}
    assert json.dumps(event["request"]["url"]) == '"http://localhost/stream"'


def test_a_response_closed_midway_ends_the_request(sentry_init, sentry_transactions) -> None:
    sentry_init(traces_sample_rate=1.0)
    outside = sentry_lite.get_isolation_scope()
    environ = _environ("/stream")
    response = SentryWsgiMiddleware(app)(environ, lambda s, h, e=None: None)
    iterator = iter(response)
    assert next(iterator) == b"one "  # the client went away after the first chunk
    response.close()
    assert sentry_lite.get_isolation_scope() is outside
    (tx,) = sentry_transactions
    assert tx["transaction"] == "/stream"
    assert tx["contexts"]["trace"]["status"] == "ok"
    assert tx["tags"]["streamed"] == "yes"


def test_a_response_the_server_never_closes_ends_the_request_when_dropped(
    sentry_init, sentry_transactions
) -> None:
    # werkzeug's test client (Flask's) reads the first chunk and hands the rest to the test,
    # which seldom reads or closes it: the caller keeps its scopes, and the request ends when
    # the response is dropped.
    sentry_init(traces_sample_rate=1.0)
    outside = sentry_lite.get_isolation_scope()
    environ = _environ("/stream")
    response = SentryWsgiMiddleware(app)(environ, lambda s, h, e=None: None)
    iterator = iter(response)
    assert next(iterator) == b"one "
    assert sentry_lite.get_isolation_scope() is outside
    sentry_lite.capture_message("the test goes on")
    assert sentry_transactions == []
    del response, iterator
    (tx,) = sentry_transactions
    assert tx["transaction"] == "/stream"
    assert tx["tags"]["streamed"] == "yes"


def test_a_flask_test_client_request_sends_its_transaction(
    sentry_init, sentry_transactions, sentry_events
) -> None:
    flask = pytest.importorskip("flask")
    sentry_init(traces_sample_rate=1.0)
    web = flask.Flask("shop")

    @web.route("/items/<int:item_id>")
    def item(item_id: int) -> Any:
        sentry_lite.set_tag("item", item_id)
        return {"id": item_id}

    assert web.test_client().get("/items/1").status_code == 200  # the response is dropped
    sentry_lite.capture_message("after the request")
    (tx,) = sentry_transactions
    assert tx["transaction"] == "item"  # the endpoint
    assert tx["contexts"]["trace"]["status"] == "ok"
    (event,) = sentry_events
    assert "item" not in (event.get("tags") or {})  # the request's scope did not leak


@pytest.mark.parametrize("path", ["/ok", "/boom", "/stream"])
def test_a_finished_request_is_freed_without_the_garbage_collector(
    sentry_init, sentry_transactions, path
) -> None:
    # The request, its scopes and its transaction are freed when the response is closed,
    # not left in cycles for the collector (whose passes a busy server pays for).
    sentry_init(traces_sample_rate=1.0)
    middleware = SentryWsgiMiddleware(app)

    def one_request() -> None:
        environ = _environ(path)
        try:
            response = middleware(environ, lambda s, h, e=None: None)
            try:
                for _ in response:
                    pass
            finally:
                response.close()
        except Boom:
            pass

    one_request()  # warm-up: lazy imports and first-use caches
    assert request_garbage(one_request) == []
    assert len(sentry_transactions) == 2
