"""Bursts: beyond the queue, envelopes wait packed in a lane bounded by bytes, in order."""

from __future__ import annotations

import gc
import os
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from sentry_lite._loopback import LoopbackServer, Reply
from sentry_lite._options import build_options
from sentry_lite.envelope import Envelope, Item
from sentry_lite.transport import _route
from sentry_lite.transport._encode import PackedPayload
from sentry_lite.transport._http import ENVELOPE_OVERHEAD, HttpTransport
from tests.forking import run_in_child


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def made() -> Iterator[list[HttpTransport]]:
    transports: list[HttpTransport] = []
    yield transports
    for transport in transports:
        transport.kill()


def make(
    made: list[HttpTransport], server: LoopbackServer, cls: type[HttpTransport] = HttpTransport,
    clock: Clock | None = None, **options: Any,
) -> HttpTransport:
    transport = cls(build_options(server.dsn, options), clock=clock or Clock())
    made.append(transport)
    return transport


def event_envelope(n: int, size: int = 200) -> Envelope:
    event_id = f"{n:032x}"
    envelope = Envelope(headers={"event_id": event_id})
    envelope.add_event({"event_id": event_id, "message": f"event {n}", "extra": {
        "blob": "".join(f"{n * k:x}" for k in range(size // 4))}})
    return envelope


def hold_first_request(server: LoopbackServer, transport: HttpTransport) -> None:
    """The worker waits on the server's answer (until ``server.release()``)."""
    server.script(Reply(delay=60))
    transport.capture_envelope(event_envelope(0))
    assert server.wait_for_requests(1)


def ids(server: LoopbackServer) -> list[str]:
    return [event["event_id"] for event in server.events]


def test_a_burst_beyond_the_queue_arrives_whole_and_in_order(
    server: LoopbackServer, made: list[HttpTransport],
) -> None:
    transport = make(made, server, transport_queue_size=10)
    hold_first_request(server, transport)
    for n in range(1, 501):
        transport.capture_envelope(event_envelope(n))
    worker = transport._worker
    assert worker.pending() == 501  # one in flight, ten queued, 490 packed
    assert worker.overflow_size > 490 * ENVELOPE_OVERHEAD
    server.release()
    assert transport.flush(30)
    assert ids(server) == [f"{n:032x}" for n in range(501)]
    assert len(server.requests) == 501  # each sent once
    assert server.discarded() == 0


class Tiny(HttpTransport):
    overflow_bytes = 20 * ENVELOPE_OVERHEAD


def test_beyond_the_byte_bound_the_newest_are_dropped_and_counted(
    server: LoopbackServer, made: list[HttpTransport],
) -> None:
    transport = make(made, server, Tiny, transport_queue_size=5)
    hold_first_request(server, transport)
    for n in range(1, 101):
        transport.capture_envelope(event_envelope(n))
        assert transport._worker.overflow_size <= Tiny.overflow_bytes
    kept = transport._worker.pending() - 1
    assert 5 < kept < 100
    assert transport.pending_client_reports() == {("queue_overflow", "error"): 100 - kept}
    server.release()
    assert transport.flush(30)
    assert transport.flush(30)  # the report
    # the oldest were kept, in order; the newest dropped
    assert ids(server) == [f"{n:032x}" for n in range(kept + 1)]
    assert server.discarded("queue_overflow", "error") == 100 - kept


class OneMiB(HttpTransport):
    overflow_bytes = 1024 * 1024


def test_memory_of_a_burst_is_bounded_by_the_lane(
    server: LoopbackServer, made: list[HttpTransport], monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The held request must outlast the 5,000 captures however slow the machine is: the
    # transport's read timeout (15 s) would otherwise end it and let the worker drain the lane.
    monkeypatch.setattr(_route, "READ_TIMEOUT", 120.0)
    transport = make(made, server, OneMiB)
    hold_first_request(server, transport)
    for n in range(1, 102):  # fill the queue (100 envelopes as objects), pack one
        transport.capture_envelope(event_envelope(n))
    assert transport._worker.overflow_size > 0  # (the packer's deflate state now exists)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(102, 5101):  # about 2.5 KB of JSON each: 12 MB if all were kept
            transport.capture_envelope(event_envelope(n, size=2000))
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    lane = transport._worker.overflow_size
    assert 0.9 * OneMiB.overflow_bytes < lane <= OneMiB.overflow_bytes
    # what the lane charges is what it holds (within the counters' own growth)
    assert grown < OneMiB.overflow_bytes + 64 * 1024
    dropped = transport.pending_client_reports()[("queue_overflow", "error")]
    assert dropped > 1000
    server.release()
    assert transport.flush(30) and transport.flush(30)
    assert len(server.events) + dropped == 5101


def test_packed_envelopes_meet_rate_limits_item_by_item(
    server: LoopbackServer, made: list[HttpTransport],
) -> None:
    transport = make(made, server, transport_queue_size=1)
    server.script(Reply(200, {"X-Sentry-Rate-Limits": "60:attachment;transaction:key"},
                        delay=60))
    transport.capture_envelope(event_envelope(0))
    assert server.wait_for_requests(1)
    transport.capture_envelope(event_envelope(1))  # queued
    with_attachment = event_envelope(2)
    with_attachment.add_item(Item(b"data", type="attachment", filename="f.txt"))
    transport.capture_envelope(with_attachment)  # packed
    transaction = Envelope(headers={"event_id": "t" * 32})
    transaction.add_transaction({"type": "transaction", "spans": [{}, {}, {}]})
    transport.capture_envelope(transaction)  # packed
    assert all(isinstance(item.payload, PackedPayload) for item in with_attachment.items)
    server.release()
    assert transport.flush(30)
    assert transport.flush(30)  # the last report
    assert ids(server) == [f"{n:032x}" for n in range(3)]
    assert server.items_of("attachment") == [] and server.transactions == []
    assert server.discarded("ratelimit_backoff", "attachment") == 1
    assert server.discarded("ratelimit_backoff", "transaction") == 1
    # three spans and the root, read from the packed transaction
    assert server.discarded("ratelimit_backoff", "span") == 4


def test_packed_envelopes_are_kept_across_an_outage(
    server: LoopbackServer, made: list[HttpTransport],
) -> None:
    clock = Clock()
    transport = make(made, server, clock=clock, transport_queue_size=5)
    server.script(Reply(503, delay=60))
    transport.capture_envelope(event_envelope(0))
    assert server.wait_for_requests(1)
    for n in range(1, 50):
        transport.capture_envelope(event_envelope(n))
    server.go_down()  # the 503 comes, then nothing answers at all
    assert transport.flush(0.5) is False
    assert len(transport._sender.retention) == 50
    server.come_up()
    clock.now += 3600
    assert transport.flush(30)
    assert Counter(ids(server)) == Counter(f"{n:032x}" for n in range(50))
    assert ids(server) == [f"{n:032x}" for n in range(50)]
    assert server.discarded() == 0


def test_a_client_report_rides_on_a_packed_envelope(
    server: LoopbackServer, made: list[HttpTransport],
) -> None:
    transport = make(made, server, transport_queue_size=1)
    server.script(Reply(200, {"X-Sentry-Rate-Limits": "60:transaction:key"}, delay=60))
    transport.capture_envelope(event_envelope(0))
    assert server.wait_for_requests(1)
    transaction = Envelope(headers={"event_id": "t" * 32})
    transaction.add_transaction({"type": "transaction", "spans": []})
    transport.capture_envelope(transaction)  # queued; rate-limited when its turn comes
    transport.capture_envelope(event_envelope(2))  # packed: the next one to go out
    transport.record_lost_event("before_send", "error", quantity=3)
    server.release()
    assert transport.flush(30)
    assert ids(server) == [f"{n:032x}" for n in (0, 2)]
    assert [envelope.item_types() for envelope in server.envelopes] == [
        ["event"], ["event", "client_report"]]
    assert server.discarded("before_send", "error") == 3
    assert server.discarded("ratelimit_backoff", "transaction") == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_sends_its_own_and_never_the_parents_packed_envelopes(
    server: LoopbackServer, made: list[HttpTransport],
) -> None:
    transport = make(made, server, transport_queue_size=5)
    hold_first_request(server, transport)
    for n in range(1, 100):
        transport.capture_envelope(event_envelope(n))
    assert transport._worker.overflow_size > 0

    def child() -> bool:
        transport.capture_envelope(event_envelope(1000))
        return transport.flush(10)

    assert run_in_child(child) == 0
    server.release()
    assert transport.flush(30)
    assert Counter(ids(server)) == Counter(f"{n:032x}" for n in [*range(100), 1000])
