"""The batcher: bounded streams, one background thread, flush, drops counted, fork."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from sentry_lite._batcher import Batcher
from sentry_lite.envelope import Envelope
from tests.forking import run_in_child


class Sink:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.lost: list[tuple[str, str, int]] = []
        self.arrived = threading.Event()

    def send(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)
        self.arrived.set()

    def record(self, reason: str, category: str, quantity: int) -> None:
        self.lost.append((reason, category, quantity))

    def entries(self) -> list[Any]:
        return [x for e in self.envelopes for i in e.items for x in i.payload.json["items"]]


def _batcher(sink: Sink, flush_at: int = 3, drop_at: int = 5) -> tuple[Batcher, Any]:
    batcher = Batcher(sink.send, sink.record, interval=3600)
    stream = batcher.stream("log", "application/x-test", "log_item", lambda x: {"n": x},
                            flush_at, drop_at, byte_category="log_byte")
    return batcher, stream


def test_a_full_batch_is_sent_by_the_background_thread() -> None:
    sink = Sink()
    batcher, stream = _batcher(sink)
    for n in range(3):
        batcher.add(stream, n)
    assert sink.arrived.wait(10)
    (envelope,) = sink.envelopes
    (item,) = envelope.items
    assert item.headers["item_count"] == 3 and item.type == "log"
    assert item.payload.json == {"version": 2, "items": [{"n": 0}, {"n": 1}, {"n": 2}]}
    assert envelope.headers["sent_at"].endswith("Z")
    assert batcher._thread is not None and batcher._thread.name == "sentry_lite.batcher"
    batcher.kill()


def test_a_full_buffer_is_handed_over_by_the_caller_instead_of_dropped() -> None:
    # The thread has fallen behind (here: it is never woken, flush_at is out of reach).
    sink = Sink()
    batcher, stream = _batcher(sink, flush_at=100, drop_at=5)
    for n in range(7):
        assert batcher.add(stream, n)
    assert sink.entries() == [{"n": n} for n in range(5)]  # sent by the 6th add's caller
    batcher.flush()
    batcher.flush()
    assert sink.entries() == [{"n": n} for n in range(7)]
    assert sink.lost == []
    batcher.kill()


def test_while_a_batch_is_being_sent_a_full_buffer_drops_and_counts() -> None:
    sink = Sink()
    batcher, stream = _batcher(sink, flush_at=100, drop_at=5)
    with batcher._sending:  # as the thread holds it while it sends a batch
        added = [batcher.add(stream, n) for n in range(7)]
    assert added == [True] * 5 + [False] * 2
    batcher.flush()
    batcher.flush()
    assert sink.entries() == [{"n": n} for n in range(5)]
    assert [x for x in sink.lost if x[1] == "log_item"] == [("queue_overflow", "log_item", 1)] * 2
    assert all(q > 0 for reason, cat, q in sink.lost if cat == "log_byte")
    batcher.kill()


def test_several_streams_share_one_thread() -> None:
    sink = Sink()
    before = set(threading.enumerate())
    batcher, logs = _batcher(sink, flush_at=100)
    metrics = batcher.stream("trace_metric", "application/x-m", "trace_metric",
                             lambda x: x, 100, 1000)
    batcher.add(logs, 1)
    batcher.add(metrics, {"v": 2})
    batcher.flush()
    assert sorted(str(i.type) for e in sink.envelopes for i in e.items) == ["log", "trace_metric"]
    started = [t for t in threading.enumerate() if t not in before]
    assert started == [batcher._thread]
    batcher.kill()
    assert batcher.add(logs, 3) is False  # closed: refused and counted
    assert ("queue_overflow", "log_item", 1) in sink.lost


def test_a_transport_that_raises_does_not_stop_the_batcher() -> None:
    errors: list[str] = []
    sent: list[Envelope] = []

    def send(envelope: Envelope) -> None:
        if not sent:
            sent.append(envelope)
            raise OSError("down")
        sent.append(envelope)

    batcher = Batcher(send, lambda *a: None, on_error=errors.append)
    stream = batcher.stream("log", "x", "log_item", lambda x: x, 10, 100)
    batcher.add(stream, 1)
    batcher.flush()
    batcher.add(stream, 2)
    batcher.flush()
    assert len(sent) == 2 and errors == ["the transport refused a batch"]
    batcher.kill()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_after_fork_the_child_starts_empty_and_sends_its_own() -> None:
    sink = Sink()
    batcher, stream = _batcher(sink, flush_at=100)
    batcher.add(stream, "parent")

    def child() -> bool:  # the parent's item is not here; its own goes out
        ok = batcher.pending() == 0 and batcher._thread is None
        batcher.add(stream, "child")
        batcher.flush()
        return ok and sink.entries()[-1] == {"n": "child"} and len(sink.entries()) == 1

    assert run_in_child(child) == 0
    batcher.flush()
    assert sink.entries() == [{"n": "parent"}]
    batcher.kill()
