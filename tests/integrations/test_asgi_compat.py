"""What ``sentry_sdk.integrations.asgi`` offers besides the middleware's default use: an ASGI 2
application, the official constructor arguments and attributes, ``event_processor`` and the
``_get_headers``-style helpers third-party packages import."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("uvicorn")

from asgi_helpers import request, serve
from wsgi_helpers import delivered

import sentry_lite
from sentry_lite.integrations import asgi
from sentry_lite.integrations.asgi import SentryAsgiMiddleware

SCOPE: dict[str, Any] = {
    "type": "http",
    "method": "POST",
    "scheme": "https",
    "path": "/orders/7",
    "root_path": "/api",
    "query_string": b"page=2",
    "headers": [(b"host", b"shop.test"), (b"x-forwarded-for", b"10.1.1.1, 10.0.0.1"),
                (b"accept", b"a"), (b"accept", b"b")],
    "client": ("127.0.0.1", 5000),
    "server": ("127.0.0.1", 8000),
}


class Asgi2App:
    """An ASGI 2 application: ``App(scope)`` then ``await instance(receive, send)``."""

    def __init__(self, scope: Any) -> None:
        self.scope = scope

    async def __call__(self, receive: Any, send: Any) -> None:
        if self.scope["path"] == "/boom":
            raise LookupError("asgi2 failed")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def test_an_asgi2_application_is_served_and_reported(sentry_server: Any) -> None:
    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0)
    middleware = SentryAsgiMiddleware(Asgi2App)
    assert middleware.asgi_version == 2
    with serve(middleware) as base:
        assert request(base, "/fine").status == 200
        assert request(base, "/boom").status == 500
    delivered(sentry_server, events=1, transactions=2)
    (event,) = sentry_server.events
    assert event["exception"]["values"][0]["type"] == "LookupError"
    assert event["request"]["url"].endswith("/boom")


def test_official_constructor_arguments_and_attributes() -> None:
    async def app3(scope: Any, receive: Any, send: Any) -> None:
        return None

    middleware = SentryAsgiMiddleware(app3, False, "url", "asgi", "auto.http.x", ("GET",), None,
                                      "excluded")
    assert (middleware.asgi_version, middleware.transaction_style) == (3, "url")
    assert (middleware.mechanism_type, middleware.span_origin) == ("asgi", "auto.http.x")
    assert middleware.http_methods_to_capture == ("GET",)
    assert middleware.root_path_in_path == "excluded"
    with pytest.raises(ValueError, match="transaction_style"):
        SentryAsgiMiddleware(app3, transaction_style="nope")


def test_get_headers_and_request_data(sentry_init: Any) -> None:
    sentry_init(dsn="https://pk@o12.ingest.sentry.io/5")
    assert asgi._get_headers(SCOPE) == {"host": "shop.test", "accept": "a, b",
                                        "x-forwarded-for": "10.1.1.1, 10.0.0.1"}
    assert asgi._get_ip(SCOPE) == "10.1.1.1"
    assert asgi._get_query(SCOPE) == "page=2"
    assert asgi._get_url(SCOPE, "http", None, "/p") == "https://127.0.0.1:8000/p"
    data = asgi._get_request_data(SCOPE, asgi._RootPathInPath.EXCLUDED)
    assert (data["method"], data["url"], data["query_string"]) == (
        "POST", "https://shop.test/api/orders/7", "page=2")
    assert "env" not in data  # no address without send_default_pii
    assert asgi._looks_like_asgi3(Asgi2App) is False
    assert asgi._DEFAULT_TRANSACTION_NAME == "generic ASGI request"
    assert asgi.TRANSACTION_STYLE_VALUES == ("endpoint", "url")


def test_event_processor_adds_request_and_a_name(sentry_init: Any) -> None:
    sentry_init(dsn="https://pk@o12.ingest.sentry.io/5", send_default_pii=True)

    async def app3(scope: Any, receive: Any, send: Any) -> None:
        return None

    middleware = SentryAsgiMiddleware(app3, transaction_style="url")
    event = middleware.event_processor({"transaction": "generic ASGI request"}, {}, SCOPE)
    assert event is not None
    assert event["request"]["url"] == "https://shop.test/api/orders/7"
    assert event["request"]["env"] == {"REMOTE_ADDR": "10.1.1.1"}
    assert event["transaction"] == "https://127.0.0.1:8000/api/orders/7"
    assert event["transaction_info"] == {"source": "url"}
    named = middleware.event_processor(
        {"transaction": "orders.view", "transaction_info": {"source": "component"}}, {}, SCOPE)
    assert named is not None and named["transaction"] == "orders.view"


def test_capture_exception_helper(sentry_init: Any, sentry_events: list[Any]) -> None:
    sentry_init(dsn="https://pk@o12.ingest.sentry.io/5")
    try:
        raise KeyError("k")
    except KeyError as exc:
        asgi._capture_exception(exc, mechanism_type="custom")
    (exception,) = sentry_events[0]["exception"]["values"]
    assert exception["mechanism"] == {"type": "custom", "handled": False}
