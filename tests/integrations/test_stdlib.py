"""Stdlib: outgoing HTTP requests and subprocesses as breadcrumbs; never the SDK's own."""

from __future__ import annotations

import http.client
import http.server
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

import sentry_lite
from sentry_lite._loopback import LoopbackServer


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 404 if self.path.startswith("/missing") else 200
        if self.path.startswith("/broken"):
            status = 503
        body = b"hello"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def web() -> Iterator[str]:
    """An application-side HTTP server on 127.0.0.1; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def http_crumbs(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in event.get("breadcrumbs", {}).get("values", []) if c["type"] == "http"]


def test_http_client_request_is_a_breadcrumb(sentry_init, sentry_events, web) -> None:
    sentry_init()
    host, port = web.rsplit("/", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port))
    conn.request("GET", "/orders?page=2#top")
    response = conn.getresponse()
    assert response.read() == b"hello"
    conn.close()
    sentry_lite.capture_message("probe")
    (crumb,) = http_crumbs(sentry_events[0])
    assert crumb["category"] == "httplib"
    assert crumb["data"] == {
        "http.method": "GET",
        "url": f"{web}/orders",
        "http.query": "page=2",
        "http.fragment": "top",
        "http.response.status_code": 200,
        "reason": "OK",
    }
    assert "level" not in crumb or crumb["level"] == "info"


def test_urllib_request_and_error_statuses(sentry_init, sentry_events, web) -> None:
    sentry_init()
    with urllib.request.urlopen(f"{web}/items", data=b"x") as response:
        response.read()
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{web}/missing")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{web}/broken")
    sentry_lite.capture_message("probe")
    crumbs = http_crumbs(sentry_events[0])
    assert [(c["data"]["http.method"], c["data"]["url"]) for c in crumbs] == [
        ("POST", f"{web}/items"),
        ("GET", f"{web}/missing"),
        ("GET", f"{web}/broken"),
    ]
    assert [c["data"]["http.response.status_code"] for c in crumbs] == [200, 404, 503]
    assert [c.get("level") for c in crumbs] == [None, "warning", "error"]


def test_a_request_without_response_is_an_error_breadcrumb(sentry_init, sentry_events) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def hang_up() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.close()

    thread = threading.Thread(target=hang_up)
    thread.start()
    sentry_init()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/hang-up")
        with pytest.raises(http.client.RemoteDisconnected):
            conn.getresponse()
    finally:
        conn.close()
        thread.join()
        listener.close()
    sentry_lite.capture_message("probe")
    (crumb,) = http_crumbs(sentry_events[0])
    assert crumb["level"] == "error"
    assert crumb["data"]["url"] == f"http://127.0.0.1:{port}/hang-up"
    assert "http.response.status_code" not in crumb["data"]


def test_the_sdk_own_deliveries_are_not_breadcrumbs(web) -> None:
    with LoopbackServer() as server:
        sentry_lite.init(dsn=server.dsn)
        sentry_lite.capture_message("first")
        sentry_lite.flush(5)
        with urllib.request.urlopen(f"{web}/app") as response:
            response.read()
        sentry_lite.capture_message("second")
        sentry_lite.flush(5)
        events = server.events
    assert [e["message"] for e in events] == ["first", "second"]
    urls = [c["data"]["url"] for c in http_crumbs(events[1])]
    assert urls == [f"{web}/app"]


def test_requests_to_the_dsn_from_the_application_are_left_out(sentry_init, sentry_events) -> None:
    with LoopbackServer() as server:
        sentry_init(dsn=server.dsn)
        conn = http.client.HTTPConnection("127.0.0.1", server.port)
        conn.request("GET", "/api/1/whatever")
        conn.getresponse().read()
        conn.close()
        sentry_lite.capture_message("probe")
    assert http_crumbs(sentry_events[0]) == []


def test_subprocess_calls_are_breadcrumbs(sentry_init, sentry_events) -> None:
    sentry_init()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    sentry_lite.capture_message("probe")
    crumbs = [c for c in sentry_events[0]["breadcrumbs"]["values"] if c["type"] == "subprocess"]
    assert len(crumbs) == 1
    assert crumbs[0]["category"] == "subprocess"
    assert crumbs[0]["message"] == f"{sys.executable} -c pass"
    assert isinstance(crumbs[0]["data"]["pid"], int)


def test_without_the_integration_nothing_is_recorded(sentry_init, sentry_events, web) -> None:
    sentry_init(disabled_integrations=["stdlib"])
    with urllib.request.urlopen(f"{web}/x") as response:
        response.read()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    sentry_lite.capture_message("probe")
    assert "breadcrumbs" not in sentry_events[0]
