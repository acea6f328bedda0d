"""The Flask integration: a Flask app served by a real server (werkzeug's) on 127.0.0.1,
reporting to a real Sentry-compatible loopback server."""

from __future__ import annotations

import json
import threading
from typing import Any

import flask
import flask_login
import pytest
from flask import Flask, abort
from wsgi_helpers import concurrently, delivered, raw_bytes, request, serve

import sentry_lite
from sentry_lite.integrations import installed
from sentry_lite.integrations.flask import FlaskIntegration

TRACE_ID = "4c79f60c11214eb38604f4ae0781bfb2"
PARENT_SPAN = "fa90fdead5f74052"


OVERLAP: list[threading.Barrier] = []


class Boom(Exception):
    pass


class User(flask_login.UserMixin):  # type: ignore[misc]  # flask_login ships no types
    def __init__(self, user_id: str) -> None:
        self.id = user_id
        self.email = f"user{user_id}@example.com"
        self.username = f"user{user_id}"


def make_app(**config: Any) -> Flask:
    app = Flask("sl_flask_test")
    app.config.update(config)
    login = flask_login.LoginManager(app)

    @login.request_loader
    def load_user(req: Any) -> User | None:
        user_id = req.headers.get("X-Login")
        return User(user_id) if user_id else None

    @app.route("/boom")
    def boom() -> str:
        raise Boom("the route raised")

    @app.route("/users/<int:user_id>")
    def user_route(user_id: int) -> str:
        sentry_lite.set_user({"id": str(user_id)})
        sentry_lite.set_tag("request.user", str(user_id))
        if OVERLAP:
            OVERLAP[0].wait(10)  # every request is inside the view at once
        raise Boom(f"failed for {user_id}")

    @app.route("/submit", methods=["POST"])
    def submit() -> str:
        raise Boom("could not submit")

    @app.route("/parsed", methods=["POST"])
    def parsed() -> str:
        sentry_lite.set_extra("name", flask.request.form["name"])  # the view parses first
        raise Boom("parsed, then failed")

    @app.route("/unavailable")
    def unavailable() -> str:
        abort(503)

    @app.route("/fine")
    def fine() -> str:
        return "fine"

    return app


@pytest.fixture
def served(sentry_server: Any) -> Any:
    def start(app_config: dict[str, Any] | None = None, **options: Any) -> Any:
        sentry_lite.init(dsn=sentry_server.dsn, **options)
        return serve(make_app(**(app_config or {})))

    return start


def test_an_error_in_a_route_arrives_with_the_request(sentry_server, served) -> None:
    with served() as base:
        assert request(base, "/boom?q=shoes").status == 500
    delivered(sentry_server, events=1)

    (event,) = sentry_server.events  # flask's own log record of it was deduplicated
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "Boom"
    assert exception["mechanism"] == {"type": "flask", "handled": False}
    assert event["transaction"] == "boom"
    assert event["transaction_info"] == {"source": "component"}
    assert event["request"]["url"] == f"{base}/boom"
    assert event["request"]["query_string"] == "q=shoes"
    assert event["request"]["method"] == "GET"
    assert "flask" in event["sdk"]["integrations"]  # switched on by itself


def test_the_url_rule_names_the_transaction(sentry_server, served) -> None:
    with served(integrations=[FlaskIntegration(transaction_style="url")]) as base:
        request(base, "/users/7")
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert event["transaction"] == "/users/<int:user_id>"
    assert event["transaction_info"] == {"source": "route"}


def test_a_bad_transaction_style_is_refused() -> None:
    with pytest.raises(ValueError, match="transaction_style"):
        FlaskIntegration(transaction_style="path")


def test_concurrent_requests_each_carry_their_own_user(sentry_server, served) -> None:
    OVERLAP.append(threading.Barrier(50))
    try:
        with served() as base:
            statuses = concurrently(50, lambda i: request(base, f"/users/{i}").status)
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
    "Cookie": "session=SESSIONSECRET; theme=COOKIEVALUE",
    "Authorization": "Basic QVVUSFNFQ1JFVA==",
    "X-Forwarded-For": "203.0.113.77",
    "X-Login": "42",
}


def test_without_send_default_pii_no_cookie_auth_ip_or_user_reaches_the_server(
    sentry_server, served
) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/boom", headers=SECRETS)
    delivered(sentry_server, events=1, transactions=1)

    received = raw_bytes(sentry_server)
    assert b"the route raised" in received
    for secret in (b"SESSIONSECRET", b"COOKIEVALUE", b"QVVUSFNFQ1JFVA", b"203.0.113.77",
                   b"REMOTE_ADDR", b"ip_address", b"user42"):
        assert secret not in received, secret
    for event in (sentry_server.events[0], sentry_server.transactions[0]):
        assert "user" not in event
        assert "cookies" not in event["request"]


def test_with_send_default_pii_the_flask_login_user_is_sent(sentry_server, served) -> None:
    with served(send_default_pii=True) as base:
        request(base, "/boom", headers=SECRETS)
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert event["user"] == {
        "id": "42", "email": "user42@example.com", "username": "user42",
        "ip_address": "203.0.113.77",
    }  # fmt: skip
    assert event["request"]["cookies"] == {"session": "[Filtered]", "theme": "COOKIEVALUE"}


def test_form_data_is_sent_within_the_size_limit(sentry_server, served) -> None:
    body = b"name=Ada&password=hunter2"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    with served() as base:
        request(base, "/submit", "POST", headers, body)
        request(base, "/parsed", "POST", headers, body)
    delivered(sentry_server, events=2)

    for event in sentry_server.events:
        assert event["request"]["data"] == {"name": "Ada", "password": "[Filtered]"}
    assert b"hunter2" not in raw_bytes(sentry_server)


def test_json_bodies_are_parsed_and_files_are_named_only(sentry_server, served) -> None:
    boundary = "XyZ"
    multipart = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nreport\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"a.bin\"\r\n"
        f"Content-Type: application/octet-stream\r\n\r\nBINARYCONTENT\r\n--{boundary}--\r\n"
    ).encode()
    with served() as base:
        request(base, "/submit", "POST", {"Content-Type": "application/json"},
                json.dumps({"items": [1, 2], "token": "t0k3n"}).encode())
        request(base, "/submit", "POST",
                {"Content-Type": f"multipart/form-data; boundary={boundary}"}, multipart)
        request(base, "/submit", "POST", {"Content-Type": "application/octet-stream"}, b"\x00\x01")
    delivered(sentry_server, events=3)

    as_json, as_raw, as_form = sorted(
        sentry_server.events, key=lambda e: e["request"]["headers"]["Content-Type"]
    )
    assert as_json["request"]["data"] == {"items": [1, 2], "token": "[Filtered]"}
    assert as_form["request"]["data"] == {"title": "report", "upload": ""}
    assert as_form["_meta"]["request"]["data"]["upload"] == {"": {"rem": [["!raw", "x"]]}}
    assert as_raw["request"]["data"] == ""
    assert as_raw["_meta"]["request"]["data"] == {"": {"rem": [["!raw", "x"]]}}
    assert b"BINARYCONTENT" not in raw_bytes(sentry_server)


@pytest.mark.parametrize(("setting", "sent"), [("never", False), ("small", False),
                                               ("medium", True), ("always", True)])
def test_max_request_body_size(sentry_server, served, setting, sent) -> None:
    body = json.dumps({"text": "x" * 2000}).encode()  # more than small, less than medium
    with served(max_request_body_size=setting) as base:
        request(base, "/submit", "POST", {"Content-Type": "application/json"}, body)
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    if sent:
        assert event["request"]["data"]["text"].startswith("xxx")
    elif setting == "never":
        assert "data" not in event["request"]
    else:
        assert event["request"]["data"] == ""
        assert event["_meta"]["request"]["data"] == {"": {"rem": [["!config", "x"]]}}


def test_an_incoming_trace_yields_a_transaction_in_that_trace(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0, disabled_integrations=["stdlib"]) as base:
        request(base, "/fine", headers={"sentry-trace": f"{TRACE_ID}-{PARENT_SPAN}-1"})
    delivered(sentry_server, transactions=1)

    (tx,) = sentry_server.transactions
    trace = tx["contexts"]["trace"]
    assert (trace["trace_id"], trace["parent_span_id"]) == (TRACE_ID, PARENT_SPAN)
    assert trace["op"] == "http.server"
    assert trace["origin"] == "auto.http.flask"
    assert trace["status"] == "ok"
    assert tx["transaction"] == "fine"
    assert tx["transaction_info"] == {"source": "component"}
    (tx_envelope,) = [e for e in sentry_server.envelopes if e.items[0].type == "transaction"]
    assert tx_envelope.headers["trace"]["trace_id"] == TRACE_ID


def test_an_error_event_and_its_transaction_share_the_route_name(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/users/3")
    delivered(sentry_server, events=1, transactions=1)
    (event,), (tx,) = sentry_server.events, sentry_server.transactions
    assert event["transaction"] == tx["transaction"] == "user_route"
    assert event["contexts"]["trace"]["span_id"] == tx["contexts"]["trace"]["span_id"]
    assert tx["contexts"]["trace"]["status"] == "internal_error"
    assert tx["request"]["url"].endswith("/users/3")
    assert "data" not in tx["request"]


def test_an_aborted_request_is_reported_by_its_status(sentry_server, served) -> None:
    with served() as base:
        assert request(base, "/unavailable").status == 503
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert event["message"] == "HTTP 503 Service Unavailable"
    assert event["transaction"] == "unavailable"


def test_propagated_exceptions_are_reported_once(sentry_server, served) -> None:
    # PROPAGATE_EXCEPTIONS (debug and testing modes): Flask re-raises to the server.
    # Without dedupe: the integration itself must not report it twice.
    with served(
        app_config={"PROPAGATE_EXCEPTIONS": True},
        default_integrations=False,
        integrations=[FlaskIntegration()],
    ) as base:
        assert request(base, "/boom").status == 500
    delivered(sentry_server, events=1)
    sentry_lite.flush(2)
    (event,) = sentry_server.events
    assert event["exception"]["values"][-1]["mechanism"]["type"] == "flask"


def test_without_the_integration_flask_is_left_alone(sentry_server, served) -> None:
    with served(disabled_integrations=[FlaskIntegration]) as base:
        assert request(base, "/boom").status == 500
    sentry_lite.flush(2)
    assert all("flask" not in e["sdk"]["integrations"] for e in sentry_server.events)
    assert all("request" not in e for e in sentry_server.events)


def test_uninstalling_restores_flask(sentry_init) -> None:
    before = vars(Flask)["__call__"]
    receivers = len(flask.signals.got_request_exception.receivers)
    sentry_init()
    assert "flask" in installed()
    assert vars(Flask)["__call__"] is not before
    sentry_lite.integrations.uninstall_all()
    assert vars(Flask)["__call__"] is before
    assert len(flask.signals.got_request_exception.receivers) == receivers


GUNICORN_APP = """
import sentry_lite
from flask import Flask

sentry_lite.init(dsn={dsn!r}, traces_sample_rate=1.0)  # in the master: --preload, then fork
app = Flask("sl_gunicorn_app")


@app.route("/items/<int:item_id>")
def item(item_id):
    sentry_lite.set_tag("item", str(item_id))
    raise RuntimeError(f"item {{item_id}} is broken")
"""


def test_a_preloaded_app_under_gunicorn_reports_from_its_forked_worker(
    sentry_server, tmp_path
) -> None:
    import os
    import socket
    import subprocess
    import sys
    import time

    (tmp_path / "sl_gunicorn_app.py").write_text(GUNICORN_APP.format(dsn=sentry_server.dsn))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "--workers", "1", "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "sl_gunicorn_app:app"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status = request(base, "/items/7").status
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.05)
        assert status == 500
        assert sentry_server.wait_for(lambda s: s.events and s.transactions, timeout=10)
    finally:
        server.terminate()
        server.wait(10)
    event, tx = sentry_server.events[0], sentry_server.transactions[0]
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "flask", "handled": False}
    assert event["transaction"] == tx["transaction"] == "item"
    assert event["tags"]["item"] == "7"
    assert tx["contexts"]["trace"]["origin"] == "auto.http.flask"
