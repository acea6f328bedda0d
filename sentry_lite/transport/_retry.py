"""Envelopes kept across an outage, and when to try them again.

Where the official SDK drops an envelope that met a network error or a 5xx,
sentry_lite keeps it in memory (bounded by count and by bytes; the oldest goes
first when full) and tries again after an exponential back-off. Only the worker
thread touches a ``Retention``; other threads read ``len()`` (atomic).
"""

from __future__ import annotations

from collections import deque

from sentry_lite.transport._encode import payload_size

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sentry_lite.envelope import Envelope

MAX_ENVELOPES = 100
MAX_BYTES = 16 * 1024 * 1024
FIRST_DELAY = 1.0
MAX_DELAY = 60.0


def envelope_size(envelope: Envelope) -> int:
    """Payload bytes of ``envelope`` (each payload is encoded once and cached; a packed
    one counts what it takes compressed)."""
    return sum(payload_size(item.payload) for item in envelope.items)


class Retention:
    """A bounded FIFO of envelopes waiting for the server, with back-off state."""

    def __init__(
        self,
        max_envelopes: int = MAX_ENVELOPES,
        max_bytes: int = MAX_BYTES,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
    ) -> None:
        self.max_envelopes = max_envelopes
        self.max_bytes = max_bytes
        self.first_delay = first_delay
        self.max_delay = max_delay
        self._kept: deque[tuple[Envelope, int]] = deque()
        self._bytes = 0
        self.failures = 0  # consecutive failed attempts
        self.retry_at = 0.0  # no attempt before this (monotonic) time

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def size(self) -> int:
        return self._bytes

    def keep(self, envelope: Envelope) -> list[Envelope]:
        """Keep ``envelope`` at the back; returns the envelopes pushed out to make room."""
        size = envelope_size(envelope)
        evicted: list[Envelope] = []
        if size > self.max_bytes:
            return [envelope]
        while self._kept and (
            len(self._kept) >= self.max_envelopes or self._bytes + size > self.max_bytes
        ):
            evicted.append(self._pop())
        self._kept.append((envelope, size))
        self._bytes += size
        return evicted

    def peek(self) -> Envelope | None:
        return self._kept[0][0] if self._kept else None

    def pop(self) -> Envelope | None:
        """Forget the oldest envelope (sent, or dropped for good)."""
        return self._pop() if self._kept else None

    def _pop(self) -> Envelope:
        envelope, size = self._kept.popleft()
        self._bytes -= size
        return envelope

    def replace_first(self, envelope: Envelope) -> None:
        """Swap the oldest envelope for a trimmed copy of it."""
        _, size = self._kept[0]
        new_size = envelope_size(envelope)
        self._kept[0] = (envelope, new_size)
        self._bytes += new_size - size

    def failed(self, now: float, at_least: float = 0.0) -> float:
        """Register a failed attempt; returns the delay before the next one."""
        self.failures += 1
        delay = min(self.first_delay * 2.0 ** min(self.failures - 1, 30), self.max_delay)
        delay = max(delay, at_least)
        self.retry_at = now + delay
        return delay

    def succeeded(self) -> None:
        self.failures = 0
        self.retry_at = 0.0

    def backing_off(self, now: float) -> bool:
        return now < self.retry_at

    def clear(self) -> list[Envelope]:
        dropped = [envelope for envelope, _ in self._kept]
        self._kept.clear()
        self._bytes = 0
        self.succeeded()
        return dropped


__all__ = ["Retention", "envelope_size"]
