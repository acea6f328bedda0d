"""The Django integration: a Django project (tests/integrations/sl_django_urls.py) served by a
real server on 127.0.0.1 (werkzeug for WSGI, uvicorn for ASGI), reporting to a real
Sentry-compatible loopback server."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import sl_django_urls
from wsgi_helpers import concurrently, delivered, raw_bytes, request, serve

import sentry_lite
from sentry_lite.integrations.django import DjangoIntegration

sl_django_urls.configure()

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_SPAN = "b7ad6b7169203331"


@pytest.fixture
def served(sentry_server: Any) -> Any:
    def start(**options: Any) -> Any:
        sentry_lite.init(dsn=sentry_server.dsn, **options)
        from django.core.handlers.wsgi import WSGIHandler

        sl_django_urls.USER_LOADS.clear()
        return serve(WSGIHandler())  # loads the middleware with the integration in place

    return start


def test_an_error_in_a_view_arrives_with_the_request(sentry_server, served) -> None:
    with served() as base:
        assert request(base, "/boom/?q=shoes", headers={"X-Custom": "yes"}).status == 500
    delivered(sentry_server, events=1)

    (event,) = sentry_server.events  # django.request's log record of it was deduplicated
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "Boom"
    assert exception["mechanism"] == {"type": "django", "handled": False}
    assert event["transaction"] == "/boom/"
    assert event["transaction_info"] == {"source": "route"}
    assert event["request"]["url"] == f"{base}/boom/"
    assert event["request"]["query_string"] == "q=shoes"
    assert event["request"]["headers"]["X-Custom"] == "yes"
    assert "django" in event["sdk"]["integrations"]  # switched on by itself


@pytest.mark.parametrize(
    ("path", "url_name", "function_name"),
    [
        ("/users/5/", "/users/{user_id}/", "sl_django_urls.user_view"),
        ("/articles/2024/", "/articles/{year}/", "sl_django_urls.article"),
        ("/api/v1/items/lamp/", "/api/v1/items/{item}/", "sl_django_urls.boom"),
    ],
)
def test_transactions_are_named_after_the_route_or_the_view(
    sentry_server, served, path, url_name, function_name
) -> None:
    with served() as base:
        request(base, path)
    sentry_lite.get_client().close()
    with served(integrations=[DjangoIntegration(transaction_style="function_name")]) as base:
        request(base, path)
    delivered(sentry_server, events=2)

    by_route, by_view = sentry_server.events
    assert (by_route["transaction"], by_route["transaction_info"]) == (
        url_name, {"source": "route"},
    )  # fmt: skip
    assert (by_view["transaction"], by_view["transaction_info"]) == (
        function_name, {"source": "component"},
    )  # fmt: skip


def test_a_bad_transaction_style_is_refused() -> None:
    with pytest.raises(ValueError, match="transaction_style"):
        DjangoIntegration(transaction_style="endpoint")


def test_concurrent_requests_each_carry_their_own_user(sentry_server, served) -> None:
    sl_django_urls.OVERLAP.append(threading.Barrier(50))
    try:
        with served() as base:
            statuses = concurrently(50, lambda i: request(base, f"/users/{i}/").status)
    finally:
        sl_django_urls.OVERLAP.clear()
    assert statuses == [500] * 50
    delivered(sentry_server, events=50)

    seen = set()
    for event in sentry_server.events:
        user_id = event["request"]["url"].rstrip("/").rsplit("/", 1)[1]
        assert event["user"] == {"id": user_id}
        assert event["tags"]["request.user"] == user_id
        assert event["exception"]["values"][-1]["value"] == f"failed for {user_id}"
        seen.add(user_id)
    assert seen == {str(i) for i in range(50)}


SECRETS = {
    "Cookie": "sessionid=SESSIONSECRET; csrftoken=CSRFSECRET; theme=COOKIEVALUE",
    "Authorization": "Token AUTHSECRET",
    "X-Forwarded-For": "203.0.113.77",
    "X-Login": "42",
}


def test_without_send_default_pii_no_cookie_auth_ip_or_user_reaches_the_server(
    sentry_server, served
) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/boom/", headers=SECRETS)
    delivered(sentry_server, events=1, transactions=1)

    received = raw_bytes(sentry_server)
    assert b"the view raised" in received
    for secret in (b"SESSIONSECRET", b"CSRFSECRET", b"COOKIEVALUE", b"AUTHSECRET",
                   b"203.0.113.77", b"REMOTE_ADDR", b"ip_address", b"user42"):
        assert secret not in received, secret
    assert sl_django_urls.USER_LOADS == []


def test_with_send_default_pii_the_user_is_sent(sentry_server, served) -> None:
    with served(send_default_pii=True) as base:
        request(base, "/boom/", headers=SECRETS)
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert event["user"] == {
        "id": "42", "username": "user42", "email": "user42@example.com",
        "ip_address": "203.0.113.77",
    }  # fmt: skip
    assert event["request"]["cookies"] == {
        "sessionid": "[Filtered]", "csrftoken": "[Filtered]", "theme": "COOKIEVALUE",
    }  # fmt: skip


def test_errors_under_django_s_test_client_carry_the_request_and_the_user(sentry_server) -> None:
    # The test client runs requests through its own handler, not a WSGIHandler: the error
    # still gets the request's data and user, as with the official SDK.
    from django.test import Client

    sentry_lite.init(dsn=sentry_server.dsn, send_default_pii=True)
    client = Client(raise_request_exception=False)
    response = client.post("/submit/?step=2", {"name": "Ada", "password": "hunter2"},
                           headers={"X-Login": "42", "Cookie": "theme=dark"})
    assert response.status_code == 500
    sentry_lite.flush(10)
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "django", "handled": False}
    assert event["request"]["method"] == "POST"
    assert event["request"]["url"] == "http://testserver/submit/"
    assert event["request"]["query_string"] == "step=2"
    assert event["request"]["data"] == {"name": "Ada", "password": "[Filtered]"}
    assert event["request"]["headers"]["X-Login"] == "42"
    assert event["user"] == {"id": "42", "username": "user42", "email": "user42@example.com",
                             "ip_address": "127.0.0.1"}


def test_a_transaction_never_loads_the_user(sentry_server, served) -> None:
    with served(send_default_pii=True, traces_sample_rate=1.0) as base:
        assert request(base, "/logged-in/", headers={"X-Login": "7"}).status == 200
    delivered(sentry_server, transactions=1)
    (tx,) = sentry_server.transactions
    assert sl_django_urls.USER_LOADS == []  # loading it could cost a database query
    assert tx["user"] == {"ip_address": "127.0.0.1"}


def test_form_and_json_bodies_are_sent_within_the_size_limit(sentry_server, served) -> None:
    with served() as base:
        request(base, "/submit/", "POST", {"Content-Type": "application/x-www-form-urlencoded"},
                b"name=Ada&password=hunter2")
        request(base, "/submit/", "POST", {"Content-Type": "application/json"},
                json.dumps({"items": [1, 2], "api_key": "k3y"}).encode())
    delivered(sentry_server, events=2)

    bodies = sorted((e["request"]["data"] for e in sentry_server.events), key=str)
    assert bodies == [{"items": [1, 2], "api_key": "[Filtered]"},
                      {"name": "Ada", "password": "[Filtered]"}]
    received = raw_bytes(sentry_server)
    assert b"hunter2" not in received
    assert b"k3y" not in received


def test_queries_are_spans_of_the_transaction_and_breadcrumbs_of_errors(
    sentry_server, served
) -> None:
    with served(traces_sample_rate=1.0, disabled_integrations=["stdlib"]) as base:
        assert request(base, "/orders/").body == b"20"
        assert request(base, "/orders/?fail=1").status == 500
    delivered(sentry_server, events=1, transactions=2)
    ok = next(t for t in sentry_server.transactions if t["contexts"]["trace"]["status"] == "ok")
    db_spans = [s for s in ok["spans"] if s["op"] == "db"]
    assert [s["description"] for s in db_spans] == [
        "connect",
        "CREATE TABLE IF NOT EXISTS orders (id INTEGER, total INTEGER)",
        "INSERT INTO orders VALUES (%s, %s)",
        "SELECT total FROM orders WHERE id = %s",
    ]
    for span in db_spans:
        assert span["origin"] == "auto.db.django"
        assert span["data"]["db.system"] == "sqlite"
        assert span["data"]["db.name"] == ":memory:"
        assert "db.params" not in span["data"]  # parameters only with send_default_pii
    assert db_spans[2]["data"]["db.executemany"] is True
    failed = next(t for t in sentry_server.transactions if t is not ok)
    (bad,) = [s for s in failed["spans"] if s["description"] == "SELECT nothing FROM missing_table"]
    assert bad["status"] == "internal_error"
    (event,) = sentry_server.events
    queries = [c for c in event["breadcrumbs"]["values"] if c.get("category") == "query"]
    assert [c["message"] for c in queries][-3:] == [
        "INSERT INTO orders VALUES (%s, %s)", "SELECT total FROM orders WHERE id = %s",
        "SELECT nothing FROM missing_table"]


def test_query_parameters_are_recorded_with_send_default_pii(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0, send_default_pii=True) as base:
        assert request(base, "/orders/?fail=1").status == 500
    delivered(sentry_server, events=1, transactions=1)
    (event,) = sentry_server.events
    (select,) = [c for c in event["breadcrumbs"]["values"]
                 if c.get("message") == "SELECT total FROM orders WHERE id = %s"]
    assert select["data"] == {"db.params": [2], "db.paramstyle": "format"}


def test_a_body_over_the_limit_is_left_out(sentry_server, served) -> None:
    with served(max_request_body_size="small") as base:
        request(base, "/submit/", "POST", {"Content-Type": "application/json"},
                json.dumps({"text": "x" * 2000}).encode())
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert event["request"]["data"] == ""
    assert event["_meta"]["request"]["data"] == {"": {"rem": [["!config", "x"]]}}


def test_an_incoming_trace_yields_a_transaction_with_middleware_and_template_spans(
    sentry_server, served
) -> None:
    with served(traces_sample_rate=1.0, disabled_integrations=["stdlib"]) as base:
        response = request(base, "/page/", headers={"sentry-trace": f"{TRACE_ID}-{PARENT_SPAN}-1"})
    assert response.body == b"<h1>hello</h1><p>HELLO</p>"
    delivered(sentry_server, transactions=1)

    (tx,) = sentry_server.transactions
    trace = tx["contexts"]["trace"]
    assert (trace["trace_id"], trace["parent_span_id"]) == (TRACE_ID, PARENT_SPAN)
    assert (trace["op"], trace["origin"], trace["status"]) == (
        "http.server", "auto.http.django", "ok",
    )  # fmt: skip
    assert tx["transaction"] == "/page/"
    spans = {(s["op"], s["description"]) for s in tx["spans"]}
    assert spans == {
        ("middleware.django", "django.middleware.common.CommonMiddleware"),
        ("middleware.django", "sl_django_urls.HeaderLoginMiddleware"),
        ("middleware.django", "sl_django_urls.HeaderLoginMiddleware.process_view"),
        ("middleware.django", "sl_django_urls.plain_middleware"),
        ("template.render", "page.html"),  # the include inside it gets no span of its own
    }
    by_description = {s["description"]: s for s in tx["spans"]}
    outer = by_description["django.middleware.common.CommonMiddleware"]
    inner = by_description["sl_django_urls.plain_middleware"]
    assert outer["parent_span_id"] == trace["span_id"]
    assert by_description["page.html"]["parent_span_id"] == inner["span_id"]


def test_middleware_spans_can_be_switched_off(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0,
                integrations=[DjangoIntegration(middleware_spans=False)]) as base:
        request(base, "/page/")
    delivered(sentry_server, transactions=1)
    (tx,) = sentry_server.transactions
    assert [s["op"] for s in tx["spans"]] == ["template.render"]


def test_a_failed_status_is_reported_and_not_found_is_not(sentry_server, served) -> None:
    with served() as base:
        assert request(base, "/unavailable/").status == 503
        assert request(base, "/nowhere/").status == 404
    delivered(sentry_server, events=1)
    sentry_lite.flush(2)
    (event,) = sentry_server.events
    assert event["message"] == "HTTP 503 Service Unavailable"
    assert event["transaction"] == "/unavailable/"


def test_django_under_asgi_reports_errors_and_names_transactions(sentry_server) -> None:
    from asgi_helpers import serve as serve_asgi
    from django.core.handlers.asgi import ASGIHandler

    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0)
    with serve_asgi(ASGIHandler()) as base:
        assert request(base, "/users/9/").status == 500
    delivered(sentry_server, events=1, transactions=1)

    (event,), (tx,) = sentry_server.events, sentry_server.transactions
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "django", "handled": False}
    assert event["transaction"] == tx["transaction"] == "/users/{user_id}/"
    assert event["user"] == {"id": "9"}
    assert tx["contexts"]["trace"]["origin"] == "auto.http.django"
    assert tx["contexts"]["trace"]["status"] == "internal_error"
    assert {s["description"] for s in tx["spans"] if s["op"] == "middleware.django"} >= {
        "django.middleware.common.CommonMiddleware", "sl_django_urls.plain_middleware",
    }  # fmt: skip


def test_asynchronous_middleware_get_asynchronous_spans(sentry_server, monkeypatch) -> None:
    from asgi_helpers import serve as serve_asgi
    from django.conf import settings
    from django.core.handlers.asgi import ASGIHandler

    monkeypatch.setattr(settings, "MIDDLEWARE", ["sl_django_urls.AsyncOnlyMiddleware"])
    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0)
    with serve_asgi(ASGIHandler()) as base:
        assert request(base, "/page/").status == 200
    delivered(sentry_server, transactions=1)

    (tx,) = sentry_server.transactions
    assert {(s["op"], s["description"]) for s in tx["spans"]} == {
        ("middleware.django", "sl_django_urls.AsyncOnlyMiddleware"),
        ("middleware.django", "sl_django_urls.AsyncOnlyMiddleware.process_view"),
        ("template.render", "page.html"),
    }


def test_uninstalling_restores_django(sentry_init) -> None:
    from django.core.handlers import base, wsgi
    from django.core.signals import got_request_exception
    from django.template.base import Template

    before = (vars(wsgi.WSGIHandler)["__call__"], vars(Template)["render"],
              vars(base.BaseHandler)["resolve_request"], vars(base)["import_string"])
    receivers = len(got_request_exception.receivers)
    sentry_init()
    assert vars(wsgi.WSGIHandler)["__call__"] is not before[0]
    assert len(got_request_exception.receivers) == receivers + 1
    sentry_lite.integrations.uninstall_all()
    after = (vars(wsgi.WSGIHandler)["__call__"], vars(Template)["render"],
             vars(base.BaseHandler)["resolve_request"], vars(base)["import_string"])
    assert after == before
    assert len(got_request_exception.receivers) == receivers


def test_django_imported_after_init_switches_the_integration_on(python) -> None:
    result = python(
        """
        import json, sys
        import sentry_lite
        sentry_lite.init(dsn="http://key@127.0.0.1:9/1")
        assert "django" not in sys.modules
        import django
        client = sentry_lite.get_client()
        handlers_loaded = "django.core.handlers.wsgi" in sys.modules
        from django.core.handlers.wsgi import WSGIHandler
        print(json.dumps({
            "enabled": "django" in client.integrations,
            "handlers_loaded_by_sdk": handlers_loaded,
            "patched": WSGIHandler.__call__.__module__,
        }))
        """
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "enabled": True,
        "handlers_loaded_by_sdk": False,
        "patched": "sentry_lite.integrations.django",
    }


def test_arguments_without_effect_warn_once() -> None:
    import warnings

    from sentry_lite._options import OptionHasNoEffectWarning

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        DjangoIntegration(cache_spans=True)
        DjangoIntegration(cache_spans=True)  # said once per process
        DjangoIntegration()  # the defaults ask for nothing missing
    messages = [str(w.message) for w in seen if w.category is OptionHasNoEffectWarning]
    assert messages == ["sentry_lite: DjangoIntegration(cache_spans=True) is accepted but has "
                        "no effect"]
    assert seen[0].filename == __file__
