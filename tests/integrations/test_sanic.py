"""The Sanic integration: a Sanic app in ASGI mode served by a real uvicorn on 127.0.0.1, and
once under Sanic's own server (in a subprocess, as Sanic runs it), reporting to a real
Sentry-compatible loopback server. The integration is switched on by ``init()`` itself."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import time
from typing import Any

import pytest

pytest.importorskip("sanic")
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
from sanic import Sanic
from sanic.exceptions import ServiceUnavailable
from sanic.response import text
from wsgi_helpers import delivered, raw_bytes, request

import sentry_lite
from sentry_lite.integrations import installed
from sentry_lite.integrations.sanic import SanicIntegration

_names = itertools.count()


class Boom(Exception):
    pass


def make_app() -> Sanic:  # type: ignore[type-arg]  # the default app types
    app = Sanic(f"sl_sanic_{next(_names)}")  # Sanic keeps a registry of app names

    @app.get("/items/<item_id:int>")
    async def item(request: Any, item_id: int) -> Any:
        raise Boom(f"item {item_id} is broken")

    @app.get("/users/<user_id>")
    async def user(request: Any, user_id: str) -> Any:
        scoped_view_work(user_id)
        await asyncio.sleep(0.01)
        raise Boom(f"failed for {user_id}")

    @app.post("/submit")
    async def submit(request: Any) -> Any:
        raise Boom("could not submit")

    @app.get("/unavailable")
    async def unavailable(request: Any) -> Any:
        raise ServiceUnavailable("down")

    @app.get("/fine")
    async def fine(request: Any) -> Any:
        return text("fine")

    return app


@pytest.fixture(autouse=True)
def _test_mode(monkeypatch: Any) -> None:
    # Several apps start in this process: Sanic's test mode lets it recompile its methods
    # from the originals each time (as its own test client does).
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
def served(sentry_server: Any) -> Any:
    def start(**options: Any) -> Any:
        sentry_lite.init(dsn=sentry_server.dsn, **options)
        return serve(make_app(), lifespan="on")  # Sanic starts up on the lifespan events

    return start


def test_an_error_arrives_with_the_request_named_after_the_route(sentry_server, served) -> None:
    with served() as base:
        assert request(base, "/items/42?q=shoes").status == 500
    delivered(sentry_server, events=1)
    sentry_lite.flush(1)
    (event,) = sentry_server.events
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "Boom"
    assert exception["mechanism"] == {"type": "sanic", "handled": False}
    assert (event["transaction"], event["transaction_info"]) == ("item", {"source": "component"})
    assert event["request"]["url"] == f"{base}/items/42"
    assert event["request"]["query_string"] == "q=shoes"
    assert "sanic" in event["sdk"]["integrations"]


def test_an_incoming_trace_is_continued(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0, disabled_integrations=["stdlib"]) as base:
        request(base, "/fine", headers=TRACE_HEADERS)
    check_trace_continued(sentry_server, "auto.http.sanic", "fine", "component")


def test_unsampled_statuses_leave_transactions_unsent(sentry_server, served) -> None:
    with served(traces_sample_rate=1.0, disabled_integrations=["stdlib"]) as base:
        assert request(base, "/nowhere").status == 404
        request(base, "/fine")
    delivered(sentry_server, transactions=1)
    sentry_lite.flush(2)
    assert [tx["transaction"] for tx in sentry_server.transactions] == ["fine"]


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
    assert "hunter2" not in json.dumps([e["request"] for e in sentry_server.events])


def test_failed_request_status_codes(sentry_server, served) -> None:
    with served() as base:
        assert request(base, "/unavailable").status == 503
    with served(integrations=[SanicIntegration(failed_request_status_codes={500})]) as base:
        assert request(base, "/unavailable").status == 503
    delivered(sentry_server, events=1)
    sentry_lite.flush(2)
    (event,) = sentry_server.events  # the quiet exception is reported by its status only
    assert event["message"] == "HTTP 503 Service Unavailable"
    assert event["transaction"] == "unavailable"


def test_uninstalling_restores_sanic(sentry_init) -> None:
    from sanic.handlers import ErrorHandler

    before = vars(Sanic)["_startup"], vars(ErrorHandler)["lookup"]
    sentry_init()
    assert "sanic" in installed()
    assert vars(Sanic)["_startup"] is not before[0]
    sentry_lite.integrations.uninstall_all()
    assert (vars(Sanic)["_startup"], vars(ErrorHandler)["lookup"]) == before


NATIVE_APP = """
import sentry_lite
from sanic import Sanic

sentry_lite.init(dsn={dsn!r}, traces_sample_rate=1.0)
app = Sanic("sl_native")


@app.get("/items/<item_id:int>")
async def item(request, item_id):
    sentry_lite.set_tag("item", str(item_id))
    raise RuntimeError(f"item {{item_id}} is broken")
"""


def test_sanics_own_server_reports_too(sentry_server, tmp_path) -> None:
    (tmp_path / "sl_sanic_native.py").write_text(NATIVE_APP.format(dsn=sentry_server.dsn))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    server = subprocess.Popen(
        [sys.executable, "-m", "sanic", "sl_sanic_native:app", "--single-process",
         "--host", "127.0.0.1", "--port", str(port), "--no-motd", "--no-access-logs"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status = request(base, "/items/7", headers=TRACE_HEADERS).status
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.05)
        assert status == 500
        assert sentry_server.wait_for(lambda s: s.events and s.transactions, timeout=10)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:  # Sanic's graceful shutdown is slow on a busy machine
            server.kill()
            server.wait(10)
    event, tx = sentry_server.events[0], sentry_server.transactions[0]
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "sanic", "handled": False}
    assert event["transaction"] == tx["transaction"] == "item"
    assert event["tags"]["item"] == "7"
    assert tx["contexts"]["trace"]["trace_id"] == TRACE_HEADERS["sentry-trace"][:32]
    assert b"is broken" in raw_bytes(sentry_server)
