"""Retention: envelopes kept across an outage, bounded, with exponential back-off."""

from __future__ import annotations

from sentry_lite.envelope import Envelope
from sentry_lite.transport._retry import Retention, envelope_size


def _envelope(n: int, size: int = 10) -> Envelope:
    envelope = Envelope(headers={"n": n})
    envelope.add_event({"message": "y" * size})
    return envelope


def test_fifo_order() -> None:
    kept = Retention()
    for n in range(3):
        assert kept.keep(_envelope(n)) == []
    assert len(kept) == 3
    assert [kept.pop().headers["n"] for _ in range(3)] == [0, 1, 2]  # type: ignore[union-attr]
    assert kept.pop() is None and kept.peek() is None
    assert kept.size == 0


def test_count_bound_evicts_the_oldest() -> None:
    kept = Retention(max_envelopes=2)
    kept.keep(_envelope(0))
    kept.keep(_envelope(1))
    evicted = kept.keep(_envelope(2))
    assert [e.headers["n"] for e in evicted] == [0]
    assert [kept.pop().headers["n"] for _ in range(2)] == [1, 2]  # type: ignore[union-attr]


def test_byte_bound_evicts_until_it_fits() -> None:
    one = envelope_size(_envelope(0, 100))
    kept = Retention(max_bytes=one * 3)
    for n in range(3):
        kept.keep(_envelope(n, 100))
    evicted = kept.keep(_envelope(3, 250))  # needs the room of about two and a half
    assert [e.headers["n"] for e in evicted] == [0, 1, 2]
    assert len(kept) == 1
    assert kept.size == envelope_size(_envelope(3, 250))


def test_an_envelope_bigger_than_the_cap_is_refused_alone() -> None:
    kept = Retention(max_bytes=50)
    kept.keep(_envelope(0, 1))
    huge = _envelope(1, 1000)
    assert kept.keep(huge) == [huge]
    assert len(kept) == 1


def test_replace_first_keeps_the_byte_count_right() -> None:
    kept = Retention()
    kept.keep(_envelope(0, 500))
    smaller = _envelope(0, 5)
    kept.replace_first(smaller)
    assert kept.size == envelope_size(smaller)
    assert kept.peek() is smaller


def test_backoff_doubles_up_to_the_cap_and_resets_on_success() -> None:
    kept = Retention(first_delay=1.0, max_delay=10.0)
    delays = [kept.failed(now=100.0) for _ in range(6)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert kept.backing_off(109.9) and not kept.backing_off(110.0)
    assert kept.failed(now=0, at_least=30.0) == 30.0  # a server's Retry-After wins
    kept.succeeded()
    assert kept.failed(now=0) == 1.0
    for _ in range(5000):  # no overflow however long the outage
        kept.failed(now=0)
    assert kept.failed(now=0) == 10.0
