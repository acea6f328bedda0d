"""Retention: envelopes kept for another try, bounded, each with its own back-off."""

from __future__ import annotations

from sentry_lite.envelope import Envelope
from sentry_lite.transport._retry import MAX_ATTEMPTS, Retention, backoff, envelope_size


def _envelope(n: int, size: int = 10) -> Envelope:
    envelope = Envelope(headers={"n": n})
    envelope.add_event({"message": "y" * size})
    return envelope


def _ns(kept: Retention) -> list[int]:
    return [envelope.headers["n"] for envelope in kept.envelopes()]


def test_fifo_order_and_due_times() -> None:
    kept = Retention()
    for n in range(3):
        assert kept.keep(_envelope(n), attempts=0, due=10.0 + n) == []
    assert len(kept) == 3 and _ns(kept) == [0, 1, 2]
    assert [k.envelope.headers["n"] for k in kept.due(11.0)] == [0, 1]
    assert len(kept.due(0.0, force=True)) == 3
    assert kept.next_due() == 10.0
    for entry in kept.due(100.0):
        kept.remove(entry)
    assert len(kept) == 0 and kept.size == 0 and kept.next_due() is None


def test_count_bound_evicts_the_oldest() -> None:
    kept = Retention(max_envelopes=2)
    kept.keep(_envelope(0), 0, 0.0)
    kept.keep(_envelope(1), 0, 0.0)
    evicted = kept.keep(_envelope(2), 0, 0.0)
    assert [e.headers["n"] for e in evicted] == [0]
    assert _ns(kept) == [1, 2]


def test_byte_bound_evicts_until_it_fits() -> None:
    one = envelope_size(_envelope(0, 100))
    kept = Retention(max_bytes=one * 3)
    for n in range(3):
        kept.keep(_envelope(n, 100), 0, 0.0)
    evicted = kept.keep(_envelope(3, 250), 0, 0.0)  # needs the room of about two and a half
    assert [e.headers["n"] for e in evicted] == [0, 1, 2]
    assert len(kept) == 1
    assert kept.size == envelope_size(_envelope(3, 250))


def test_an_envelope_bigger_than_the_cap_or_out_of_attempts_is_refused_alone() -> None:
    kept = Retention(max_bytes=50)
    kept.keep(_envelope(0, 1), 0, 0.0)
    huge = _envelope(1, 1000)
    assert kept.keep(huge, 0, 0.0) == [huge]
    tired = _envelope(2, 1)
    assert kept.keep(tired, MAX_ATTEMPTS, 0.0) == [tired]
    assert len(kept) == 1


def test_a_failed_envelope_keeps_its_place_until_its_attempts_run_out() -> None:
    kept = Retention(max_attempts=3)
    for n in range(3):
        kept.keep(_envelope(n, 500), 1, 0.0)
    first = kept.due(0.0)[0]
    smaller = _envelope(0, 5)
    assert kept.again(first, smaller, 2, 50.0)
    assert _ns(kept) == [0, 1, 2]  # same place, trimmed, later due
    assert kept.size == envelope_size(smaller) + 2 * envelope_size(_envelope(1, 500))
    assert [k.envelope.headers["n"] for k in kept.due(10.0)] == [1, 2]
    assert not kept.again(kept.due(100.0)[0], smaller, 3, 60.0)  # out of attempts: gone
    assert _ns(kept) == [1, 2]


def test_backoff_doubles_up_to_the_cap_and_the_server_gate() -> None:
    assert [backoff(n) for n in range(1, 9)] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert backoff(1, at_least=30.0) == 30.0  # a server's Retry-After wins
    assert backoff(5000) == 60.0  # no overflow however long the outage
    kept = Retention()
    assert kept.unreachable(now=100.0) == 1.0 and kept.unreachable(now=100.0) == 2.0
    assert kept.backing_off(101.9) and not kept.backing_off(102.0)
    kept.reached()
    assert not kept.backing_off(0.0) and kept.unreachable(now=0.0) == 1.0
