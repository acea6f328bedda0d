"""The Bottle integration: a ``Bottle`` app served by a real WSGI server (werkzeug's) on
127.0.0.1, reporting to a real Sentry-compatible loopback server. The integration is switched
on by ``init()`` itself (Bottle is imported)."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("bottle")

import bottle
from framework_checks import (
    SECRETS,
    TRACE_HEADERS,
    check_isolation,
    check_no_pii,
    check_pii,
    check_trace_continued,
    scoped_view_work,
)
from wsgi_helpers import delivered, raw_bytes, request, serve

import sentry_lite
from sentry_lite.integrations import installed
from sentry_lite.integrations.bottle import BottleIntegration


class Boom(Exception):
    pass


def make_app() -> bottle.Bottle:
    app = bottle.Bottle()

    @app.route("/items/<item_id:int>")
    def item(item_id: int) -> str:
        raise Boom(f"item {item_id} is broken")

    @app.route("/users/<user_id>")
    def user(user_id: str) -> str:
        scoped_view_work(user_id)
        raise Boom(f"failed for {user_id}")

    @app.route("/submit", method="POST")
    def submit() -> str:
        raise Boom("could not submit")

    @app.route("/abort/<code:int>")
    def aborting(code: int) -> str:
        bottle.abort(code, "no")
        return "unreachable"

    @app.route("/returned", name="returned_503")
    def returned() -> Any:
        return bottle.HTTPResponse("busy", status=503)

    @app.route("/fine")
    def fine() -> str:
        return "fine"

    return app


@pytest.fixture
def served(sentry_server: Any) -> Any:
    def start(**options: Any) -> Any:
        sentry_lite.init(dsn=sentry_server.dsn, **options)
        return serve(make_app())

    return start


def test_an_error_arrives_with_the_request_named_after_the_route(sentry_server, served) -> None:
    with served() as base:
        assert request(base, "/items/42?q=shoes").status == 500
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "Boom"
    assert exception["mechanism"] == {"type": "bottle", "handled": False}
    assert event["transaction"] == "test_bottle.make_app.<locals>.item"
    assert event["transaction_info"] == {"source": "component"}
    assert event["request"]["url"] == f"{base}/items/42"
    assert event["request"]["query_string"] == "q=shoes"
    assert "bottle" in event["sdk"]["integrations"]


def test_the_url_style_names_by_rule(sentry_server, served) -> None:
    with served(integrations=[BottleIntegration(transaction_style="url")]) as base:
        request(base, "/items/7")
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert (event["transaction"], event["transaction_info"]) == (
        "/items/<item_id:int>", {"source": "route"})


def test_a_bad_transaction_style_is_refused() -> None:
    with pytest.raises(ValueError, match="transaction_style"):
        BottleIntegration(transaction_style="route")


def test_an_incoming_trace_is_continued(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0, disabled_integrations=["stdlib"]) as base:
        request(base, "/fine", headers=TRACE_HEADERS)
    check_trace_continued(
        sentry_server, "auto.http.bottle", "test_bottle.make_app.<locals>.fine", "component"
    )


def test_concurrent_requests_each_carry_their_own_scope(sentry_server, served) -> None:
    with served() as base:
        check_isolation(sentry_server, base)


def test_without_send_default_pii_nothing_personal_is_sent(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/items/1", headers=SECRETS)
    check_no_pii(sentry_server, b"item 1 is broken")


def test_with_send_default_pii_cookies_and_address_are_sent(sentry_server, served) -> None:
    with served(send_default_pii=True) as base:
        request(base, "/items/1", headers=SECRETS)
    check_pii(sentry_server)


def test_form_and_json_bodies_go_with_errors(sentry_server, served) -> None:
    with served() as base:
        request(base, "/submit", "POST", {"Content-Type": "application/x-www-form-urlencoded"},
                b"name=Ada&password=hunter2")
        request(base, "/submit", "POST", {"Content-Type": "application/json"},
                json.dumps({"items": [1, 2], "token": "t0k3n"}).encode())
    delivered(sentry_server, events=2)
    as_json, as_form = sorted(
        sentry_server.events, key=lambda e: e["request"]["headers"]["Content-Type"]
    )
    assert as_form["request"]["data"] == {"name": "Ada", "password": "[Filtered]"}
    assert as_json["request"]["data"] == {"items": [1, 2], "token": "[Filtered]"}
    assert b"hunter2" not in raw_bytes(sentry_server)


def test_failed_statuses_raised_or_returned_are_reported_once(sentry_server, served) -> None:
    with served() as base:
        assert request(base, "/abort/503").status == 503
        assert request(base, "/abort/404").status == 404
        assert request(base, "/returned").status == 503
    delivered(sentry_server, events=2)
    sentry_lite.flush(2)
    by_name = {e["transaction"]: e for e in sentry_server.events}
    assert len(sentry_server.events) == 2
    aborted = by_name["test_bottle.make_app.<locals>.aborting"]["exception"]["values"][-1]
    assert (aborted["type"], aborted["mechanism"]) == (
        "HTTPError", {"type": "bottle", "handled": True})
    returned = by_name["returned_503"]["exception"]["values"][-1]
    assert (returned["type"], returned["mechanism"]) == (
        "HTTPResponse", {"type": "bottle", "handled": True})


def test_failed_request_status_codes_can_be_narrowed(sentry_server, served) -> None:
    integration = BottleIntegration(failed_request_status_codes={500})
    assert integration.failed_request_status_codes == {500}
    with served(integrations=[integration]) as base:
        assert request(base, "/abort/503").status == 503
        assert request(base, "/returned").status == 503
        assert request(base, "/items/1").status == 500
    delivered(sentry_server, events=1)
    sentry_lite.flush(2)
    (event,) = sentry_server.events
    assert event["exception"]["values"][-1]["type"] == "Boom"


def test_uninstalling_restores_bottle(sentry_init) -> None:
    before = vars(bottle.Bottle)["__call__"], vars(bottle.Route)["_make_callback"]
    sentry_init()
    assert "bottle" in installed()
    assert vars(bottle.Bottle)["__call__"] is not before[0]
    sentry_lite.integrations.uninstall_all()
    assert (vars(bottle.Bottle)["__call__"], vars(bottle.Route)["_make_callback"]) == before
