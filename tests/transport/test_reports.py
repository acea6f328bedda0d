"""Client-report counters: thread-safe, drained into a client_report payload."""

from __future__ import annotations

import threading

from sentry_lite.envelope import Item, PayloadRef
from sentry_lite.transport._reports import ClientReports


def test_take_builds_the_payload_and_resets() -> None:
    reports = ClientReports(clock=lambda: 123.5)
    reports.record("queue_overflow", "error")
    reports.record("queue_overflow", "error", 2)
    reports.record("ratelimit_backoff", "transaction", 4)
    assert reports.snapshot() == {
        ("queue_overflow", "error"): 3,
        ("ratelimit_backoff", "transaction"): 4,
    }
    assert reports.take() == {
        "timestamp": 123.5,
        "discarded_events": [
            {"reason": "queue_overflow", "category": "error", "quantity": 3},
            {"reason": "ratelimit_backoff", "category": "transaction", "quantity": 4},
        ],
    }
    assert not reports
    assert reports.take() is None


def test_disabled_counts_nothing() -> None:
    reports = ClientReports(enabled=False)
    reports.record("queue_overflow", "error", 5)
    assert reports.take() is None


def test_zero_or_negative_quantities_are_ignored() -> None:
    reports = ClientReports()
    reports.record("sample_rate", "error", 0)
    reports.record("sample_rate", "error", -3)
    assert reports.snapshot() == {}


def test_a_dropped_report_item_is_merged_back_not_counted() -> None:
    reports = ClientReports()
    payload = {"timestamp": 1, "discarded_events": [
        {"reason": "before_send", "category": "error", "quantity": 7}]}
    reports.record_item("network_error", Item(PayloadRef(json=payload), type="client_report"))
    reports.record_item("network_error", Item(PayloadRef(json={}), type="transaction"))
    assert reports.snapshot() == {
        ("before_send", "error"): 7,
        ("network_error", "transaction"): 1,
    }
    reports.merge({"nonsense": True})  # a malformed report is ignored
    reports.merge(None)
    assert sum(reports.snapshot().values()) == 8


def test_concurrent_records_are_all_counted() -> None:
    reports = ClientReports()
    taken: list[int] = []
    start = threading.Barrier(5)

    def writer() -> None:
        start.wait()
        for _ in range(2000):
            reports.record("queue_overflow", "error")

    def reader() -> None:
        start.wait()
        for _ in range(200):
            payload = reports.take()
            if payload:
                taken.append(payload["discarded_events"][0]["quantity"])

    threads = [threading.Thread(target=writer) for _ in range(4)]
    threads.append(threading.Thread(target=reader))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rest = reports.take()
    if rest:
        taken.append(rest["discarded_events"][0]["quantity"])
    assert sum(taken) == 8000
