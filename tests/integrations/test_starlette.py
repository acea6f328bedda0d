"""StarletteIntegration: a Starlette application served by a real uvicorn on 127.0.0.1,
reporting to a real Sentry-compatible loopback server. The integration is switched on by
``init()`` itself (Starlette is imported), never by wrapping the application by hand."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from asgi_helpers import request, serve
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route
from wsgi_helpers import concurrently, delivered, raw_bytes

import sentry_lite
from sentry_lite.integrations.starlette import StarletteIntegration

TRACE_ID = "771a43a4192642f0b136d5159a501700"
PARENT_SPAN = "b0e6f15b45c36b12"


class Boom(Exception):
    pass


class Declined(Exception):
    pass


async def item(request: Request) -> Any:
    raise Boom(f"item {request.path_params['item_id']} is broken")


async def user(request: Request) -> Any:
    user_id = request.path_params["user_id"]
    sentry_lite.set_user({"id": user_id})
    sentry_lite.set_tag("request.user", user_id)
    await asyncio.sleep(0.001)
    raise Boom(f"failed for {user_id}")


def sync_user(request: Request) -> Any:  # runs in Starlette's thread pool
    user_id = request.path_params["user_id"]
    sentry_lite.set_user({"id": user_id})
    raise Boom(f"sync failed for {user_id}")


async def http_error(request: Request) -> Any:
    raise HTTPException(status_code=int(request.path_params["code"]), detail="no")


async def declined(request: Request) -> Any:
    raise Declined("handled by the application's own handler")


async def body(request: Request) -> Any:
    if request.headers.get("content-type", "").startswith("application/json"):
        await request.json()
    else:
        await request.form()
    raise Boom("after reading the body")


async def ok(request: Request) -> Any:
    return PlainTextResponse("ok")


async def on_declined(request: Request, exc: Exception) -> Any:
    return JSONResponse({"error": "declined"}, status_code=500)


class Alice(AuthenticationBackend):
    async def authenticate(self, conn: Any) -> Any:
        return AuthCredentials(["authenticated"]), SimpleUser("user-alice-7f3")


def make_app() -> Starlette:
    sub = Starlette(routes=[Route("/things/{thing_id}", item)])
    return Starlette(
        routes=[
            Route("/items/{item_id}", item),
            Route("/user/{user_id}", user),
            Route("/sync/{user_id}", sync_user),
            Route("/http/{code}", http_error),
            Route("/declined", declined),
            Route("/body", body, methods=["POST"]),
            Route("/ok", ok),
            Mount("/sub", app=sub),
        ],
        middleware=[Middleware(AuthenticationMiddleware, backend=Alice())],
        exception_handlers={Declined: on_declined},
    )


@pytest.fixture
def served(sentry_server: Any) -> Any:
    def start(**options: Any) -> Any:
        sentry_lite.init(dsn=sentry_server.dsn, **options)
        return serve(make_app())

    return start


def test_an_error_arrives_with_the_request_route_and_handled_false(
    served, sentry_server
) -> None:
    with served(traces_sample_rate=1.0) as base:
        response = request(base, "/items/42?q=1", headers={"Host": "app.test"})
    assert response.status == 500
    delivered(sentry_server, events=1, transactions=1)
    (event,) = sentry_server.events
    (exception,) = event["exception"]["values"]
    assert exception["mechanism"] == {"type": "starlette", "handled": False}
    assert event["transaction"] == "/items/{item_id}"
    assert event["transaction_info"] == {"source": "route"}
    assert event["request"]["url"] == "http://app.test/items/42"
    assert event["request"]["query_string"] == "q=1"
    assert event["request"]["method"] == "GET"
    (tx,) = sentry_server.transactions
    assert tx["transaction"] == "/items/{item_id}"
    assert tx["transaction_info"] == {"source": "route"}
    assert tx["contexts"]["trace"]["origin"] == "auto.http.starlette"
    assert tx["contexts"]["trace"]["status"] == "internal_error"


@pytest.mark.parametrize("route", ["user", "sync"])
def test_concurrent_requests_keep_their_own_user(served, sentry_server, route) -> None:
    with served() as base:
        statuses = concurrently(50, lambda i: request(base, f"/{route}/{i}").status)
    assert statuses == [500] * 50
    delivered(sentry_server, events=50)
    seen = set()
    for event in sentry_server.events:
        user_id = event["user"]["id"]
        assert event["request"]["url"].endswith(f"/{route}/{user_id}")
        assert event["exception"]["values"][0]["value"].endswith(f"failed for {user_id}")
        seen.add(user_id)
    assert seen == {str(i) for i in range(50)}


SECRETS = {
    "Cookie": "sessionid=cookie-secret-1; theme=cookie-secret-2",
    "Authorization": "Bearer auth-secret-3",
    "X-Forwarded-For": "203.0.113.7",
    "Host": "app.test",
}
CLIENT = "127.0.0.2"


def test_no_cookie_authorization_or_address_without_send_default_pii(
    served, sentry_server
) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/items/1", headers=SECRETS, source=CLIENT)
    delivered(sentry_server, events=1, transactions=1)
    sent = raw_bytes(sentry_server)
    # (a user name no installed package's name contains: the event lists the modules)
    for secret in ("cookie-secret", "auth-secret", "203.0.113.7", CLIENT, "user-alice-7f3"):
        assert secret.encode() not in sent, secret


def test_with_send_default_pii_the_user_and_address_are_sent(served, sentry_server) -> None:
    with served(send_default_pii=True) as base:
        request(base, "/items/1", headers={"Cookie": "theme=dark"}, source=CLIENT)
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert event["user"] == {"username": "user-alice-7f3", "ip_address": CLIENT}
    assert event["request"]["cookies"] == {"theme": "dark"}


def test_an_incoming_sentry_trace_is_continued(served, sentry_server) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/ok", headers={"sentry-trace": f"{TRACE_ID}-{PARENT_SPAN}-1"})
    delivered(sentry_server, transactions=1)
    (tx,) = sentry_server.transactions
    assert tx["transaction"] == "/ok"
    assert tx["contexts"]["trace"]["trace_id"] == TRACE_ID
    assert tx["contexts"]["trace"]["parent_span_id"] == PARENT_SPAN
    assert tx["contexts"]["trace"]["status"] == "ok"


def test_handled_exceptions_with_a_failed_status_are_reported(served, sentry_server) -> None:
    with served(traces_sample_rate=1.0) as base:
        assert request(base, "/http/503").status == 503
        assert request(base, "/http/404").status == 404
        assert request(base, "/declined").status == 500
    delivered(sentry_server, events=2, transactions=3)
    reported = {
        e["transaction"]: e["exception"]["values"][-1] for e in sentry_server.events
    }
    assert set(reported) == {"/http/{code}", "/declined"}
    assert reported["/http/{code}"]["type"] == "HTTPException"
    assert reported["/declined"]["type"] == "Declined"
    for value in reported.values():
        assert value["mechanism"] == {"type": "starlette", "handled": True}
    statuses = sorted(t["contexts"]["trace"]["status"] for t in sentry_server.transactions)
    assert statuses == ["internal_error", "not_found", "unavailable"]


def test_failed_request_status_codes_is_honoured(sentry_server) -> None:
    sentry_lite.init(
        dsn=sentry_server.dsn,
        integrations=[StarletteIntegration(failed_request_status_codes={404})],
    )
    with serve(make_app()) as base:
        request(base, "/http/503")
        request(base, "/http/404")
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert event["exception"]["values"][-1]["value"] == "404: no"


def test_the_body_the_application_read_is_sent(served, sentry_server) -> None:
    with served() as base:
        request(base, "/body", method="POST", body=b'{"item": "book", "token": "secret-4"}',
                headers={"Content-Type": "application/json"})
        request(base, "/body", method="POST", body=b"name=book&password=secret-5",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    delivered(sentry_server, events=2)
    data = sorted((e["request"]["data"] for e in sentry_server.events), key=len)
    assert data == [
        {"item": "book", "token": "[Filtered]"},
        {"name": "book", "password": "[Filtered]"},
    ]
    assert b"secret-" not in raw_bytes(sentry_server)


def test_mounted_routes_and_the_endpoint_style(sentry_server) -> None:
    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0)
    with serve(make_app()) as base:
        request(base, "/sub/things/9")
    delivered(sentry_server, events=1, transactions=1)
    assert sentry_server.events[0]["transaction"] == "/sub/things/{thing_id}"
    assert sentry_server.transactions[0]["transaction"] == "/sub/things/{thing_id}"

    sentry_server.clear()
    sentry_lite.init(
        dsn=sentry_server.dsn, traces_sample_rate=1.0,
        integrations=[StarletteIntegration(transaction_style="endpoint")],
    )
    with serve(make_app()) as base:
        request(base, "/items/3")
    delivered(sentry_server, events=1, transactions=1)
    name = f"{item.__module__}.item"
    assert sentry_server.events[0]["transaction"] == name
    assert sentry_server.events[0]["transaction_info"] == {"source": "component"}
    assert sentry_server.transactions[0]["transaction"] == name


def test_an_application_started_before_init_is_covered(sentry_server) -> None:
    app = make_app()
    with serve(app) as base:
        assert request(base, "/ok").status == 200  # builds the middleware stack
        sentry_lite.init(dsn=sentry_server.dsn)
        request(base, "/http/500")
    delivered(sentry_server, events=1)
    assert sentry_server.events[0]["transaction"] == "/http/{code}"


def test_switches_on_by_itself_and_uninstalls_cleanly(sentry_init) -> None:
    def hooks() -> tuple[Any, ...]:
        return vars(Starlette).get("__call__"), vars(ExceptionMiddleware).get("__call__")

    before = hooks()
    client = sentry_init()
    assert "starlette" in client.integrations
    assert hooks() != before
    StarletteIntegration.uninstall()
    assert hooks() == before


def test_a_generic_middleware_around_the_app_reports_each_request_once(sentry_server) -> None:
    from sentry_lite.integrations.asgi import SentryAsgiMiddleware

    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0)
    with serve(SentryAsgiMiddleware(make_app())) as base:
        request(base, "/items/5")
    delivered(sentry_server, events=1, transactions=1)
    (event,) = sentry_server.events
    assert event["exception"]["values"][0]["mechanism"] == {"type": "starlette", "handled": False}
    assert event["transaction"] == "/items/{item_id}"
    assert len(sentry_server.transactions) == 1
