"""The Quart integration: a Quart app served by a real uvicorn on 127.0.0.1, reporting to a
real Sentry-compatible loopback server. The integration is switched on by ``init()`` itself
(Quart is imported)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

pytest.importorskip("quart")
pytest.importorskip("uvicorn")

import quart
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
from wsgi_helpers import delivered, raw_bytes, request

import sentry_lite
from sentry_lite.integrations import installed
from sentry_lite.integrations.quart import QuartIntegration

quart_auth = pytest.importorskip("quart_auth")


class Boom(Exception):
    pass


def make_app() -> tuple[quart.Quart, Any]:
    app = quart.Quart("sl_quart_test")
    app.secret_key = "not a secret"
    auth = quart_auth.QuartAuth(app, mode="bearer")

    @app.route("/items/<int:item_id>")
    async def item(item_id: int) -> str:
        raise Boom(f"item {item_id} is broken")

    @app.route("/users/<user_id>")
    async def user(user_id: str) -> str:
        scoped_view_work(user_id)
        await asyncio.sleep(0.01)
        raise Boom(f"failed for {user_id}")

    @app.route("/sync/<user_id>")
    def sync_user(user_id: str) -> str:  # Quart runs it in a thread
        scoped_view_work(user_id)
        raise Boom(f"failed for {user_id}")

    @app.route("/submit", methods=["POST"])
    async def submit() -> str:
        await quart.request.get_data()
        raise Boom("could not submit")

    @app.route("/unavailable")
    async def unavailable() -> str:
        quart.abort(503)

    @app.route("/fine")
    async def fine() -> str:
        return "fine"

    return app, auth


@pytest.fixture
def served(sentry_server: Any) -> Any:
    def start(**options: Any) -> Any:
        sentry_lite.init(dsn=sentry_server.dsn, **options)
        app, _ = make_app()
        return serve(app)

    return start


def test_an_error_arrives_with_the_request_named_after_the_endpoint(
    sentry_server, served
) -> None:
    with served() as base:
        assert request(base, "/items/42?q=shoes").status == 500
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "Boom"
    assert exception["mechanism"] == {"type": "quart", "handled": False}
    assert (event["transaction"], event["transaction_info"]) == ("item", {"source": "component"})
    assert event["request"]["url"] == f"{base}/items/42"
    assert event["request"]["query_string"] == "q=shoes"
    assert "quart" in event["sdk"]["integrations"]
    assert len(sentry_server.events) == 1


def test_the_url_style_names_by_rule(sentry_server, served) -> None:
    with served(integrations=[QuartIntegration(transaction_style="url")]) as base:
        request(base, "/items/7")
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert (event["transaction"], event["transaction_info"]) == (
        "/items/<int:item_id>", {"source": "route"})


def test_a_bad_transaction_style_is_refused() -> None:
    with pytest.raises(ValueError, match="transaction_style"):
        QuartIntegration(transaction_style="path")


def test_an_incoming_trace_is_continued(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0, disabled_integrations=["stdlib"]) as base:
        request(base, "/fine", headers=TRACE_HEADERS)
    check_trace_continued(sentry_server, "auto.http.quart", "fine", "component")


@pytest.mark.parametrize("path", ["/users/{}", "/sync/{}"])
def test_concurrent_requests_each_carry_their_own_scope(sentry_server, served, path) -> None:
    with served() as base:
        check_isolation(sentry_server, base, path)


def test_without_send_default_pii_nothing_personal_is_sent(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/items/1", headers=SECRETS)
    check_no_pii(sentry_server, b"item 1 is broken")


def test_with_send_default_pii_the_quart_auth_user_is_sent(sentry_server, served) -> None:
    app, auth = make_app()

    async def sign() -> str:
        async with app.app_context():
            return str(auth.dump_token("42"))

    token = asyncio.run(sign())  # the served app has the same secret key
    with served(send_default_pii=True) as base:
        request(base, "/items/1", headers={**SECRETS, "Authorization": f"Bearer {token}"})
    event = check_pii(sentry_server)
    assert event["user"] == {"id": "42", "ip_address": "203.0.113.77"}


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
    assert b"hunter2" not in raw_bytes(sentry_server)


def test_failed_request_status_codes(sentry_server, served) -> None:
    with served(integrations=[QuartIntegration(failed_request_status_codes={503})]) as base:
        assert request(base, "/unavailable").status == 503
        assert request(base, "/nowhere").status == 404
    delivered(sentry_server, events=1)
    sentry_lite.flush(2)
    (event,) = sentry_server.events
    assert event["message"] == "HTTP 503 Service Unavailable"
    assert event["transaction"] == "unavailable"


def test_uninstalling_restores_quart(sentry_init) -> None:
    before = vars(quart.Quart)["__call__"]
    receivers = len(quart.signals.got_request_exception.receivers)
    sentry_init()
    assert "quart" in installed()
    assert vars(quart.Quart)["__call__"] is not before
    sentry_lite.integrations.uninstall_all()
    assert vars(quart.Quart)["__call__"] is before
    assert len(quart.signals.got_request_exception.receivers) == receivers
