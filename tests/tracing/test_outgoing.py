"""Outgoing requests (http.client, urllib.request, urllib3) to a loopback server: a child span
and the propagation headers, which another process turns into a child of the same trace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import urllib3

import sentry_lite
from sentry_lite.tracing._headers import parse_baggage
from sentry_lite.tracing._outgoing import should_propagate

ROOT = Path(__file__).resolve().parents[2]


class _Server(ThreadingHTTPServer):
    requests: list[dict[str, list[str]]]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        headers: dict[str, list[str]] = {}
        for key, value in self.headers.items():
            headers.setdefault(key.lower(), []).append(value)
        self.server.requests.append(headers)
        status = 404 if self.path.startswith("/missing") else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
        return int(response.status)


CHILD = r"""
import json, sys
import sentry_lite
from sentry_lite.testing import CapturingTransport

transport = CapturingTransport()
sentry_lite.init(transport=transport, traces_sample_rate=0.0, default_integrations=False)
headers = json.loads(sys.argv[1])
with sentry_lite.start_transaction(sentry_lite.continue_trace(headers, name="serve")):
    pass
envelope = transport.envelopes[0]
print(json.dumps({"trace": envelope.headers["trace"],
                  "context": transport.transactions[0]["contexts"]["trace"]}))
"""


def test_a_request_carries_the_trace_to_another_process(
    sentry_init: Any, sentry_transactions: list[Any], server: _Server
) -> None:
    sentry_init(traces_sample_rate=1.0, trace_propagation_targets=["127.0.0.1"])
    with sentry_lite.start_transaction(name="client") as tx:
        assert _get(server.url + "/ok?page=2") == 200
        dsc = tx.get_dynamic_sampling_context()
    (received,) = server.requests
    (span,) = sentry_transactions[0]["spans"]
    assert span["op"] == "http.client"
    assert span["description"] == f"GET {server.url}/ok"
    assert span["parent_span_id"] == tx.span_id
    assert span["status"] == "ok"
    assert span["data"]["http.method"] == "GET"
    assert span["data"]["url"] == f"{server.url}/ok"
    assert span["data"]["http.query"] == "page=2"
    assert span["data"]["http.response.status_code"] == 200
    assert received["sentry-trace"] == [f"{tx.trace_id}-{span['span_id']}-1"]
    assert parse_baggage(received["baggage"]) == (dsc, [])

    headers = {"sentry-trace": received["sentry-trace"][0], "baggage": received["baggage"][0]}
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    child = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(headers)],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )
    result = json.loads(child.stdout)
    # A child of the request's span, sampled as the parent decided (its own rate is 0).
    assert result["context"]["trace_id"] == tx.trace_id
    assert result["context"]["parent_span_id"] == span["span_id"]
    assert result["trace"] == dsc


def test_a_target_that_does_not_match_gets_no_headers(
    sentry_init: Any, sentry_transactions: list[Any], server: _Server
) -> None:
    sentry_init(traces_sample_rate=1.0, trace_propagation_targets=["api.example.com"])
    with sentry_lite.start_transaction(name="client"):
        with pytest.raises(urllib.error.HTTPError) as raised:
            _get(server.url + "/missing")
        assert raised.value.code == 404
    assert len(server.requests) == 1
    for received in server.requests:
        assert "sentry-trace" not in received
        assert "baggage" not in received
    statuses = [s["status"] for s in sentry_transactions[0]["spans"]]
    assert statuses == ["not_found"]


def test_urllib3_requests_get_a_span_and_the_headers(
    sentry_init: Any, sentry_transactions: list[Any], server: _Server
) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="client") as tx, urllib3.PoolManager() as pool:
        response = pool.request("GET", server.url + "/ok", headers={"baggage": "vendor=1"})
        assert response.status == 200
    (received,) = server.requests
    (span,) = sentry_transactions[0]["spans"]
    assert received["sentry-trace"] == [f"{tx.trace_id}-{span['span_id']}-1"]
    # The application's own baggage stays; Sentry's members come in a header of their own.
    assert "vendor=1" in received["baggage"]
    assert any(value.startswith("sentry-trace_id=") for value in received["baggage"])


def test_requests_to_the_dsn_host_get_nothing(
    sentry_init: Any, sentry_transactions: list[Any], server: _Server
) -> None:
    port = server.server_address[1]
    sentry_init(dsn=f"http://key@127.0.0.1:{port}/1", traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="client"):
        assert _get(server.url + "/ok") == 200
    assert "sentry-trace" not in server.requests[0]
    assert sentry_transactions[0]["spans"] == []


def test_without_tracing_requests_still_carry_the_trace(
    sentry_init: Any, sentry_envelopes: list[Any], server: _Server
) -> None:
    sentry_init()
    incoming = {"sentry-trace": "771a43a4192642f0b136d5159a501700-b0e6f15b45c36b12-1"}
    with sentry_lite.isolation_scope():
        sentry_lite.continue_trace(incoming)
        assert _get(server.url + "/ok") == 200
    (received,) = server.requests
    trace_id, _, flag = received["sentry-trace"][0].split("-")
    assert (trace_id, flag) == ("771a43a4192642f0b136d5159a501700", "1")
    items, _ = parse_baggage(received["baggage"])
    assert items["trace_id"] == trace_id
    assert sentry_envelopes == []


def test_no_headers_when_propagation_is_off(sentry_init: Any, server: _Server) -> None:
    sentry_init(traces_sample_rate=1.0, propagate_traces=False)
    with sentry_lite.start_transaction(name="client"):
        _get(server.url + "/ok")
    assert "sentry-trace" not in server.requests[0]


def test_propagation_targets() -> None:
    url = "https://api.example.com/v2/items?x=1"
    assert should_propagate(url, None)
    assert not should_propagate(url, [])
    assert should_propagate(url, [".*"])
    assert should_propagate(url, ["api.example.com"])
    assert should_propagate(url, [r"example\.com/v[2-4]"])
    assert not should_propagate(url, [r"example\.com/v[3-4]", "localhost"])
    assert not should_propagate(url, ["(unbalanced"])
