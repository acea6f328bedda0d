"""The httpx integration: real sync and async httpx clients against a real HTTP server on
127.0.0.1 that answers with the headers it received."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import pytest
from service_helpers import echo_server

httpx = pytest.importorskip("httpx")

import sentry_lite  # noqa: E402
from sentry_lite.integrations.httpx import HttpxIntegration  # noqa: E402


@pytest.fixture(scope="module")
def base() -> Any:
    with echo_server() as url:
        yield url


def _spans(tx: dict[str, Any]) -> list[dict[str, Any]]:
    return [span for span in tx["spans"] if span["op"] == "http.client"]


def _http_crumbs(event: dict[str, Any]) -> list[dict[str, Any]]:
    crumbs = event.get("breadcrumbs", {}).get("values", [])
    return [crumb for crumb in crumbs if crumb.get("category") == "httplib"]


def test_a_request_is_a_span_and_carries_the_trace(sentry_init, sentry_transactions, base) -> None:
    sentry_init(traces_sample_rate=1.0, integrations=[HttpxIntegration()], release="r@1")
    with sentry_lite.start_transaction(name="outgoing") as tx_span, httpx.Client() as client:
        received = client.get(f"{base}/echo?token=abc#frag").json()

    (tx,) = sentry_transactions
    (span,) = _spans(tx)
    assert span["description"] == f"GET {base}/echo"
    assert span["origin"] == "auto.http.httpx"
    assert span["parent_span_id"] == tx["contexts"]["trace"]["span_id"]
    assert span["status"] == "ok"
    assert span["data"]["http.method"] == "GET"
    assert span["data"]["url"] == f"{base}/echo"
    assert span["data"]["http.query"] == "token=abc"
    assert span["data"]["http.response.status_code"] == 200
    assert span["data"]["reason"] == "OK"
    assert received["sentry-trace"] == f"{tx_span.trace_id}-{span['span_id']}-1"
    assert f"sentry-trace_id={tx_span.trace_id}" in received["baggage"]
    assert "sentry-release=r" in received["baggage"]


def test_headers_only_for_propagation_targets(sentry_init, base) -> None:
    sentry_init(traces_sample_rate=1.0, trace_propagation_targets=["example\\.com"])
    with sentry_lite.start_transaction(name="outgoing"), httpx.Client() as client:
        received = client.get(f"{base}/echo").json()
    assert "sentry-trace" not in received
    assert "baggage" not in received


def test_other_vendors_baggage_is_kept(sentry_init, base) -> None:
    sentry_init(traces_sample_rate=1.0)
    headers = {"baggage": "other-vendor=1, sentry-trace_id=stale"}
    with sentry_lite.start_transaction(name="outgoing"), httpx.Client() as client:
        received = client.get(f"{base}/echo", headers=headers).json()
    members = received["baggage"].split(",")
    assert members[0] == "other-vendor=1"
    assert "sentry-trace_id=stale" not in members
    assert any(m.startswith("sentry-trace_id=") for m in members)


def test_breadcrumbs_carry_status_and_level_without_secrets(sentry_init, sentry_events,
                                                            base) -> None:
    sentry_init()  # auto-enabled: httpx is imported
    port = base.rsplit(":", 1)[1]
    with httpx.Client() as client:
        client.get(f"{base}/status/200?q=1")
        client.get(f"{base}/status/404")
        client.get(f"http://user:hunter2@127.0.0.1:{port}/status/503")
    sentry_lite.capture_message("after the requests")

    (event,) = sentry_events
    ok, missing, down = _http_crumbs(event)
    assert ok["type"] == "http"
    assert ok["data"] == {
        "http.method": "GET", "url": f"{base}/status/200", "http.query": "q=1",
        "http.fragment": "", "http.response.status_code": 200, "reason": "OK",
    }
    assert "level" not in ok or ok["level"] == "info"
    assert missing["level"] == "warning"
    assert down["level"] == "error"
    assert down["data"]["url"] == f"http://[Filtered]:[Filtered]@127.0.0.1:{port}/status/503"
    assert "hunter2" not in json.dumps(event)


def test_a_request_without_response(sentry_init, sentry_transactions, sentry_events) -> None:
    sentry_init(traces_sample_rate=1.0)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    with sentry_lite.start_transaction(name="refused"), httpx.Client() as client, \
            pytest.raises(httpx.ConnectError):
        client.get(f"http://127.0.0.1:{port}/")
    sentry_lite.capture_message("after the failure")
    (span,) = _spans(sentry_transactions[0])
    assert span["status"] == "internal_error"
    (crumb,) = _http_crumbs(sentry_events[0])
    assert crumb["level"] == "error"
    assert "http.response.status_code" not in crumb["data"]


def test_the_async_client(sentry_init, sentry_transactions, base) -> None:
    sentry_init(traces_sample_rate=1.0)

    async def work() -> list[Any]:
        async with httpx.AsyncClient() as client:
            with sentry_lite.start_transaction(name="async outgoing"):
                responses = await asyncio.gather(
                    client.get(f"{base}/status/201"), client.get(f"{base}/status/500")
                )
        return [r.json() for r in responses]

    created, failed = asyncio.run(work())
    (tx,) = sentry_transactions
    spans = {span["data"]["http.response.status_code"]: span for span in _spans(tx)}
    assert sorted(spans) == [201, 500]
    assert spans[500]["status"] == "internal_error"
    assert created["sentry-trace"].split("-")[1] == spans[201]["span_id"]
    assert failed["sentry-trace"].split("-")[1] == spans[500]["span_id"]


def test_nothing_when_switched_off(sentry_init, sentry_events, base) -> None:
    sentry_init(disabled_integrations=[HttpxIntegration])
    with httpx.Client() as client:
        received = client.get(f"{base}/echo").json()
    sentry_lite.capture_message("quiet")
    assert _http_crumbs(sentry_events[0]) == []
    assert "sentry-trace" not in received


def test_outside_a_transaction_the_headers_continue_the_scope_trace(sentry_init, base) -> None:
    sentry_init(traces_sample_rate=1.0)
    with httpx.Client() as client:
        received = client.get(f"{base}/echo").json()
    traceparent = sentry_lite.get_traceparent()
    assert traceparent is not None
    trace_id = traceparent.split("-")[0]
    assert received["sentry-trace"].split("-")[0] == trace_id
    assert f"sentry-trace_id={trace_id}" in received["baggage"]
