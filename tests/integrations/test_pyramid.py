"""The Pyramid integration: a Pyramid application served by a real WSGI server (werkzeug's) on
127.0.0.1, reporting to a real Sentry-compatible loopback server. The integration is switched
on by ``init()`` itself (Pyramid is imported)."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("pyramid")

from framework_checks import (
    SECRETS,
    TRACE_HEADERS,
    check_isolation,
    check_no_pii,
    check_pii,
    check_trace_continued,
    scoped_view_work,
)
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPServiceUnavailable
from pyramid.response import Response
from pyramid.router import Router
from wsgi_helpers import delivered, raw_bytes, request, serve

import sentry_lite
from sentry_lite.integrations import installed
from sentry_lite.integrations.pyramid import PyramidIntegration


class Boom(Exception):
    pass


class Declined(Exception):
    pass


class HeaderPolicy:
    """The user named by the X-Login header (a security policy of Pyramid 2)."""

    def identity(self, request: Any) -> Any:
        return request.headers.get("X-Login")

    def authenticated_userid(self, request: Any) -> Any:
        return self.identity(request)

    def permits(self, request: Any, context: Any, permission: Any) -> bool:
        return True


def item(request: Any) -> Any:
    raise Boom(f"item {request.matchdict['item_id']} is broken")


def user(request: Any) -> Any:
    user_id = request.matchdict["user_id"]
    scoped_view_work(user_id)
    raise Boom(f"failed for {user_id}")


def submit(request: Any) -> Any:
    raise Boom("could not submit")


def unavailable(request: Any) -> Any:
    raise HTTPServiceUnavailable()


def declined(request: Any) -> Any:
    raise Declined("answered by an exception view")


def on_declined(exc: Exception, request: Any) -> Any:
    return Response("declined", status=502)


def fine(request: Any) -> Any:
    return Response("fine")


def make_app() -> Any:
    with Configurator() as config:
        config.set_security_policy(HeaderPolicy())
        for name, pattern, view in (
            ("item", "/items/{item_id}", item), ("user", "/users/{user_id}", user),
            ("submit", "/submit", submit), ("unavailable", "/unavailable", unavailable),
            ("declined", "/declined", declined), ("fine", "/fine", fine),
        ):
            config.add_route(name, pattern)
            config.add_view(view, route_name=name)
        config.add_exception_view(on_declined, context=Declined)
        return config.make_wsgi_app()


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
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "Boom"
    assert exception["mechanism"]["type"] == "pyramid"
    assert exception["mechanism"]["handled"] is False
    assert (event["transaction"], event["transaction_info"]) == ("item", {"source": "component"})
    assert event["request"]["url"] == f"{base}/items/42"
    assert event["request"]["query_string"] == "q=shoes"
    assert "pyramid" in event["sdk"]["integrations"]


def test_the_route_pattern_style(sentry_server, served) -> None:
    with served(integrations=[PyramidIntegration(transaction_style="route_pattern")]) as base:
        request(base, "/items/7")
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert (event["transaction"], event["transaction_info"]) == (
        "/items/{item_id}", {"source": "route"})


def test_a_bad_transaction_style_is_refused() -> None:
    with pytest.raises(ValueError, match="transaction_style"):
        PyramidIntegration(transaction_style="url")


def test_an_incoming_trace_is_continued(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0, disabled_integrations=["stdlib"]) as base:
        request(base, "/fine", headers=TRACE_HEADERS)
    check_trace_continued(sentry_server, "auto.http.pyramid", "fine", "component")


def test_concurrent_requests_each_carry_their_own_scope(sentry_server, served) -> None:
    with served() as base:
        check_isolation(sentry_server, base)


def test_without_send_default_pii_nothing_personal_is_sent(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/items/1", headers={**SECRETS, "X-Login": "alice"})
    check_no_pii(sentry_server, b"item 1 is broken")  # no user either


def test_with_send_default_pii_the_authenticated_user_is_sent(sentry_server, served) -> None:
    with served(send_default_pii=True) as base:
        request(base, "/items/1", headers={**SECRETS, "X-Login": "alice"})
    event = check_pii(sentry_server)
    assert event["user"] == {"id": "alice", "ip_address": "203.0.113.77"}


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


def test_failed_statuses_and_exception_views(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0) as base:
        assert request(base, "/unavailable").status == 503
        assert request(base, "/declined").status == 502
    delivered(sentry_server, events=2, transactions=2)
    by_name = {e["transaction"]: e for e in sentry_server.events}
    assert by_name["unavailable"]["message"] == "HTTP 503 Service Unavailable"
    declined_exc = by_name["declined"]["exception"]["values"][-1]
    assert (declined_exc["type"], declined_exc["mechanism"]) == (
        "Declined", {"type": "pyramid", "handled": False})
    assert len(sentry_server.events) == 2


def test_failed_request_status_codes_can_be_narrowed(sentry_server, served) -> None:
    with served(integrations=[PyramidIntegration(failed_request_status_codes={500})]) as base:
        assert request(base, "/unavailable").status == 503
        assert request(base, "/declined").status == 502
        assert request(base, "/items/1").status == 500
    delivered(sentry_server, events=1)
    sentry_lite.flush(2)
    (event,) = sentry_server.events
    assert event["transaction"] == "item"


def test_uninstalling_restores_pyramid(sentry_init) -> None:
    from pyramid import router

    before = vars(Router)["__call__"], router._call_view
    sentry_init()
    assert "pyramid" in installed()
    assert vars(Router)["__call__"] is not before[0]
    sentry_lite.integrations.uninstall_all()
    assert (vars(Router)["__call__"], router._call_view) == before
