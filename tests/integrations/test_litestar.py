"""The Litestar integration: a Litestar app served by a real uvicorn on 127.0.0.1, reporting to
a real Sentry-compatible loopback server. The integration is switched on by ``init()`` itself
(Litestar is imported); the app is created before ``init()`` in one test, after it in others."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

pytest.importorskip("litestar")
pytest.importorskip("uvicorn")

from asgi_helpers import serve
from framework_checks import (
    SECRETS,
    TRACE_HEADERS,
    check_isolation,
    check_no_pii,
    check_pii,
    check_trace_continued,
    scoped_view_work,
)
from litestar import Litestar, Request, get, post
from litestar.exceptions import HTTPException
from litestar.logging.config import LoggingConfig
from wsgi_helpers import delivered, request

import sentry_lite
from sentry_lite.integrations import installed
from sentry_lite.integrations.litestar import LitestarIntegration


class Boom(Exception):
    pass


@get("/items/{item_id:int}")
async def item(item_id: int) -> str:
    raise Boom(f"item {item_id} is broken")


@get("/users/{user_id:str}", name="user_page")
async def user(user_id: str) -> str:
    scoped_view_work(user_id)
    await asyncio.sleep(0.01)
    raise Boom(f"failed for {user_id}")


@post("/submit")
async def submit(request: Request[Any, Any, Any]) -> str:
    if request.headers.get("content-type", "").startswith("application/json"):
        await request.json()
    else:
        await request.form()
    raise Boom("could not submit")


@get("/status/{code:int}")
async def status(code: int) -> str:
    raise HTTPException(status_code=code, detail="no")


@get("/fine")
async def fine() -> str:
    return "fine"


def header_user(app: Any) -> Any:
    """A middleware putting the X-Login header's user into the ASGI scope, as auth does."""

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        for name, value in scope.get("headers") or ():
            if name == b"x-login":
                scope["user"] = {"id": value.decode(), "username": "alice"}
        await app(scope, receive, send)

    return middleware


def make_app() -> Litestar:
    return Litestar(route_handlers=[item, user, submit, status, fine], middleware=[header_user],
                    logging_config=None)


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
        assert request(base, "/items/42?q=shoes").status == 500
    delivered(sentry_server, events=1)
    sentry_lite.flush(1)
    (event,) = sentry_server.events
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "Boom"
    assert exception["mechanism"] == {"type": "litestar", "handled": False}
    assert event["transaction"] == "test_litestar.item"
    assert event["transaction_info"] == {"source": "component"}
    assert event["request"]["url"] == f"{base}/items/42"
    assert event["request"]["query_string"] == "q=shoes"
    assert "litestar" in event["sdk"]["integrations"]


def test_an_app_created_before_init_is_reported_too(sentry_server) -> None:
    # Litestar logs the error as well (its logger only: the test leaves the root alone)
    app = Litestar(route_handlers=[item],
                   logging_config=LoggingConfig(configure_root_logger=False))
    sentry_lite.init(dsn=sentry_server.dsn)
    with serve(app) as base:
        assert request(base, "/items/5").status == 500
    delivered(sentry_server, events=1)
    sentry_lite.flush(1)
    (event,) = sentry_server.events  # litestar's own log record made no second event
    assert event["exception"]["values"][-1]["mechanism"]["type"] == "litestar"


def test_an_incoming_trace_is_continued(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0, disabled_integrations=["stdlib"]) as base:
        request(base, "/fine", headers=TRACE_HEADERS)
    check_trace_continued(sentry_server, "auto.http.litestar", "test_litestar.fine", "component")


def test_concurrent_requests_each_carry_their_own_scope(sentry_server, served) -> None:
    with served() as base:
        check_isolation(sentry_server, base)
    assert {e["transaction"] for e in sentry_server.events} == {"user_page"}


def test_without_send_default_pii_nothing_personal_is_sent(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/items/1", headers={**SECRETS, "X-Login": "7"})
    check_no_pii(sentry_server, b"item 1 is broken")


def test_with_send_default_pii_the_scope_user_is_sent(sentry_server, served) -> None:
    with served(send_default_pii=True) as base:
        request(base, "/items/1", headers={**SECRETS, "X-Login": "7"})
    event = check_pii(sentry_server)
    assert event["user"] == {"id": "7", "username": "alice", "ip_address": "203.0.113.77"}


def test_the_body_the_application_read_goes_with_the_error(sentry_server, served) -> None:
    with served() as base:
        request(base, "/submit", "POST", {"Content-Type": "application/json"},
                json.dumps({"items": [1, 2], "token": "t0k3n"}).encode())
        request(base, "/submit", "POST", {"Content-Type": "application/x-www-form-urlencoded"},
                b"name=Ada&password=hunter2")
    delivered(sentry_server, events=2)
    as_json, as_form = sorted(
        sentry_server.events, key=lambda e: e["request"]["headers"]["content-type"]
    )
    assert as_json["request"]["data"] == {"items": [1, 2], "token": "[Filtered]"}
    assert as_form["request"]["data"] == {"name": "Ada", "password": "[Filtered]"}
    # (Litestar's frames hold the raw body in their locals: only the request data is checked)
    assert "hunter2" not in json.dumps([e["request"] for e in sentry_server.events])


def test_http_exceptions_by_failed_request_status_codes(sentry_server, served) -> None:
    with served(integrations=[LitestarIntegration(failed_request_status_codes={503})]) as base:
        assert request(base, "/status/503").status == 503
        assert request(base, "/status/502").status == 502
        assert request(base, "/status/404").status == 404
    delivered(sentry_server, events=1)
    sentry_lite.flush(2)
    (event,) = sentry_server.events
    exception = event["exception"]["values"][-1]
    assert (exception["type"], exception["mechanism"]) == (
        "HTTPException", {"type": "litestar", "handled": False})
    assert event["transaction"] == "test_litestar.status"


def test_uninstalling_restores_litestar(sentry_init) -> None:
    before = vars(Litestar)["__call__"]
    sentry_init()
    assert "litestar" in installed()
    assert vars(Litestar)["__call__"] is not before
    sentry_lite.integrations.uninstall_all()
    assert vars(Litestar)["__call__"] is before
