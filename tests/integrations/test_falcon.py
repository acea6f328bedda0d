"""The Falcon integration: a ``falcon.App`` served by a real WSGI server (werkzeug's) on
127.0.0.1, reporting to a real Sentry-compatible loopback server. The integration is switched
on by ``init()`` itself (Falcon is imported)."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("falcon")

import falcon
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
from sentry_lite.integrations.falcon import FalconIntegration


class Boom(Exception):
    pass


class Item:
    def on_get(self, req: Any, resp: Any, item_id: int) -> None:
        raise Boom(f"item {item_id} is broken")


class User:
    def on_get(self, req: Any, resp: Any, user_id: str) -> None:
        scoped_view_work(user_id)
        raise Boom(f"failed for {user_id}")


class Submit:
    def on_post(self, req: Any, resp: Any) -> None:
        if req.get_param("parse"):
            req.get_media()  # the application reads the body first
        raise Boom("could not submit")


class Status:
    def on_get(self, req: Any, resp: Any, code: int) -> None:
        raise falcon.HTTPError(code)


class Fine:
    def on_get(self, req: Any, resp: Any) -> None:
        resp.text = "fine"


def make_app() -> Any:
    app = falcon.App()
    app.add_route("/items/{item_id:int}", Item())
    app.add_route("/users/{user_id}", User())
    app.add_route("/submit", Submit())
    app.add_route("/status/{code:int}", Status())
    app.add_route("/fine", Fine())
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
    assert exception["mechanism"] == {"type": "falcon", "handled": False}
    assert event["transaction"] == "/items/{item_id:int}"
    assert event["transaction_info"] == {"source": "route"}
    assert event["request"]["url"] == f"{base}/items/42"
    assert event["request"]["query_string"] == "q=shoes"
    assert event["request"]["method"] == "GET"
    assert "falcon" in event["sdk"]["integrations"]


def test_the_path_style_names_by_path(sentry_server, served) -> None:
    with served(integrations=[FalconIntegration(transaction_style="path")]) as base:
        request(base, "/items/7")
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert (event["transaction"], event["transaction_info"]) == ("/items/7", {"source": "url"})


def test_a_bad_transaction_style_is_refused() -> None:
    with pytest.raises(ValueError, match="transaction_style"):
        FalconIntegration(transaction_style="endpoint")


def test_an_incoming_trace_is_continued(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0, disabled_integrations=["stdlib"]) as base:
        request(base, "/fine", headers=TRACE_HEADERS)
    check_trace_continued(sentry_server, "auto.http.falcon", "/fine", "route")


def test_an_error_event_and_its_transaction_share_the_route(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/items/3")
    delivered(sentry_server, events=1, transactions=1)
    (event,), (tx,) = sentry_server.events, sentry_server.transactions
    assert event["transaction"] == tx["transaction"] == "/items/{item_id:int}"
    assert event["contexts"]["trace"]["span_id"] == tx["contexts"]["trace"]["span_id"]
    assert tx["contexts"]["trace"]["status"] == "internal_error"


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


def test_media_the_application_read_goes_with_the_error(sentry_server, served) -> None:
    body = json.dumps({"items": [1, 2], "token": "t0k3n"}).encode()
    headers = {"Content-Type": "application/json"}
    with served() as base:
        request(base, "/submit?parse=1", "POST", headers, body)
        request(base, "/submit", "POST", headers, body)
    delivered(sentry_server, events=2)
    unread, parsed = sorted(
        sentry_server.events, key=lambda e: e["request"].get("query_string", "")
    )
    assert parsed["request"]["data"] == {"items": [1, 2], "token": "[Filtered]"}
    assert unread["request"]["data"] == ""
    assert unread["_meta"]["request"]["data"] == {"": {"rem": [["!raw", "x"]]}}
    assert b"t0k3n" not in raw_bytes(sentry_server)


def test_http_errors_are_reported_when_their_status_failed(sentry_server, served) -> None:
    with served(integrations=[FalconIntegration(failed_request_status_codes={503})]) as base:
        assert request(base, "/status/503").status == 503
        assert request(base, "/status/502").status == 502  # not in the set
        assert request(base, "/status/404").status == 404
    delivered(sentry_server, events=1)
    sentry_lite.flush(2)
    (event,) = sentry_server.events
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "falcon", "handled": False}
    assert event["exception"]["values"][-1]["type"] == "HTTPError"
    assert event["transaction"] == "/status/{code:int}"


def test_without_the_integration_falcon_is_left_alone(sentry_server, served) -> None:
    with served(disabled_integrations=[FalconIntegration]) as base:
        assert request(base, "/items/1").status == 500
    sentry_lite.flush(2)
    assert all("request" not in e for e in sentry_server.events)


def test_uninstalling_restores_falcon(sentry_init) -> None:
    before = vars(falcon.App)["__call__"]
    sentry_init()
    assert "falcon" in installed()
    assert vars(falcon.App)["__call__"] is not before
    sentry_lite.integrations.uninstall_all()
    assert vars(falcon.App)["__call__"] is before
