"""Issue 4's acceptance, end to end through the public API against a real loopback server.

(Exit and fork acceptance live in test_exit.py and test_fork.py.)
"""

from __future__ import annotations

import re
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator

import pytest

import sentry_lite
from sentry_lite._loopback import LoopbackServer, Reply
from sentry_lite._options import build_options
from sentry_lite.consts import SDK_NAME, USER_AGENT
from sentry_lite.scope import get_client
from sentry_lite.transport._http import HttpTransport

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


def _transport() -> HttpTransport:
    transport = get_client().transport
    assert isinstance(transport, HttpTransport)
    return transport


def test_wire_format_of_a_captured_message(server: LoopbackServer) -> None:
    sentry_lite.init(dsn=server.dsn, default_integrations=False, release="r1")
    event_id = sentry_lite.capture_message("hello", level="warning")
    before = time.time()
    sentry_lite.flush()
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/api/1/envelope/")
    assert request.header("Content-Type") == "application/x-sentry-envelope"
    assert request.header("Content-Encoding") == "gzip"
    assert request.header("User-Agent") == USER_AGENT
    assert request.header("X-Sentry-Auth") == (
        f"Sentry sentry_key=public, sentry_version=7, sentry_client={USER_AGENT}"
    )
    envelope = request.envelope
    assert envelope is not None
    assert envelope.headers["event_id"] == event_id
    assert RFC3339.match(envelope.headers["sent_at"])
    assert envelope.headers["sent_at"][:4] == time.strftime("%Y", time.gmtime(before))
    (item,) = envelope.items
    assert item.headers["type"] == "event"
    assert item.headers["length"] == len(item.payload.bytes)
    event = item.payload.json
    assert event["event_id"] == event_id
    assert event["message"] == "hello" or event["logentry"]["message"] == "hello"
    assert event["level"] == "warning"
    assert event["release"] == "r1"
    assert event["sdk"]["name"] == SDK_NAME


def test_a_server_that_never_answers(server: LoopbackServer) -> None:
    sentry_lite.init(dsn=server.dsn, default_integrations=False)
    server.hang()
    sentry_lite.capture_message("first")
    assert server.wait_for_requests(1)  # the worker now waits on a socket that never answers
    ids = [sentry_lite.capture_message(f"message {n}") for n in range(20)]
    assert all(ids)  # every capture returned, none waited for the socket
    sentry_lite.flush(timeout=1)  # returns after its timeout, with work still pending
    assert _transport()._worker.pending() == 21
    assert server.statuses == [None]


def test_rate_limited_errors_are_dropped_and_reported_transactions_go_out(
    server: LoopbackServer,
) -> None:
    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    options = build_options(server.dsn, {"traces_sample_rate": 1.0})
    sentry_lite.init(
        transport=HttpTransport(options, clock=clock),
        default_integrations=False,
        traces_sample_rate=1.0,
    )
    server.script(Reply(429, {"X-Sentry-Rate-Limits": "60:error:key"}))
    sentry_lite.capture_message("refused by the server")
    sentry_lite.flush()
    for n in range(3):
        sentry_lite.capture_message(f"dropped {n}")
    now = time.time()
    sentry_lite.capture_event({
        "type": "transaction", "transaction": "/checkout", "start_timestamp": now - 1,
        "timestamp": now, "contexts": {"trace": {"trace_id": "a" * 32, "span_id": "b" * 16}},
        "spans": [],
    })
    sentry_lite.flush()
    assert server.events == []
    assert [t["transaction"] for t in server.transactions] == ["/checkout"]
    assert server.discarded("ratelimit_backoff", "error") == 3
    clock.now = 60.0  # the limit expires
    sentry_lite.capture_message("allowed again")
    sentry_lite.flush()
    assert [e.get("message") or e["logentry"]["message"] for e in server.events] == [
        "allowed again"
    ]


def test_server_down_then_up_every_event_arrives_once(server: LoopbackServer) -> None:
    sentry_lite.init(dsn=server.dsn, default_integrations=False)
    server.go_down()
    ids = [sentry_lite.capture_message(f"during the outage {n}") for n in range(40)]
    sentry_lite.flush(timeout=0.5)
    assert server.requests == []
    server.come_up()
    sentry_lite.flush(timeout=10)
    received = Counter(event["event_id"] for event in server.events)
    assert received == Counter(ids)  # all of them, once each
    assert server.discarded() == 0


class Bounded(HttpTransport):
    overflow_bytes = 2 * 1024 * 1024  # (16 MiB by default) so that 10,000 captures overflow it


def test_ten_thousand_captures_against_a_slow_server(server: LoopbackServer) -> None:
    sentry_lite.init(dsn=server.dsn, default_integrations=False, transport=Bounded)
    # One event delivered first: the sender has imported urllib3 and opened its connection, so
    # what is traced below is what the captures hold, not a module import (about 0.5 MB, which
    # otherwise lands inside the traced window or not depending on the machine's load).
    sentry_lite.capture_message("warm-up")
    sentry_lite.flush(timeout=10)
    assert server.wait_for(lambda s: len(s.events) == 1)
    server.slow(0.05)
    tracemalloc.start()
    try:
        for n in range(10_000):
            sentry_lite.capture_message(f"burst {n}")
        answered_meanwhile = len(server.requests)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The caller never waited on the server: it answered a handful while 10,000 were captured.
    assert answered_meanwhile < 1000
    # The queue (100 envelopes) and the overflow lane (2 MiB) bound memory, not the
    # number of captures (about 18 MB if every one were kept).
    assert peak < 5 * 1024 * 1024
    server.behave()
    sentry_lite.flush(timeout=30)
    sentry_lite.flush(timeout=30)  # the final client report
    assert _transport()._worker.pending() == 0
    dropped = server.discarded("queue_overflow", "error")
    assert dropped > 0
    assert len(server.events) + dropped == 10_001


def test_a_burst_of_two_thousand_captures_arrives_whole(server: LoopbackServer) -> None:
    sentry_lite.init(dsn=server.dsn, default_integrations=False)
    server.slow(0.01)  # the caller outruns the sender: the queue (100) fills at once
    ids = [sentry_lite.capture_message(f"burst {n}") for n in range(2000)]
    assert _transport()._worker.overflow_size > 0
    server.behave()
    sentry_lite.flush(timeout=60)  # returns None; what arrived is checked below
    received = [event["event_id"] for event in server.events]
    assert Counter(received) == Counter(ids)  # every one, once
    assert received == ids  # and in the order they were captured
    assert server.discarded() == 0
