"""Envelopes kept for another try, and when to try them.

Where the official SDK drops an envelope that met a network error or a 5xx,
sentry_lite keeps it in memory (bounded by count and by bytes; the oldest goes
first when full) and tries again after a back-off. Two clocks:

- each kept envelope has its own: after its n-th failed attempt it waits 1 s,
  2 s, 4 s ... (at most 60 s, at least the server's ``Retry-After``), and after
  ``MAX_ATTEMPTS`` attempts that reached the server it is dropped (the caller
  counts it): one envelope the server keeps refusing never holds back others;
- the server has one (``retry_at``), set when it could not be reached or asked
  for a pause: new envelopes then join the kept ones instead of knocking each
  (one probe per back-off); any success opens it again.

An attempt that cannot have reached the server (no connection) does not count
against the envelope: an outage loses nothing but what does not fit.
Only the worker thread touches a ``Retention``; other threads read ``len()``.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

from sentry_lite.transport._encode import payload_size

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sentry_lite.envelope import Envelope

MAX_ENVELOPES = 100
MAX_BYTES = 16 * 1024 * 1024
MAX_ATTEMPTS = 6
FIRST_DELAY = 1.0
MAX_DELAY = 60.0


def envelope_size(envelope: Envelope) -> int:
    """Payload bytes of ``envelope`` (each payload is encoded once and cached; a packed
    one counts what it takes compressed)."""
    return sum(payload_size(item.payload) for item in envelope.items)


def backoff(failures: int, at_least: float = 0.0) -> float:
    """The delay after ``failures`` failures in a row: 1 s, 2 s, 4 s ... up to 60 s."""
    delay = min(FIRST_DELAY * 2.0 ** min(max(failures, 1) - 1, 30), MAX_DELAY)
    return max(delay, at_least)


class Kept(NamedTuple):
    """One kept envelope: its size, the attempts that reached the server, when it is due."""

    envelope: Envelope
    size: int
    attempts: int
    due: float


class Retention:
    """A bounded FIFO of kept envelopes, with their back-off and the server's."""

    def __init__(
        self, max_envelopes: int = MAX_ENVELOPES, max_bytes: int = MAX_BYTES,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.max_envelopes = max_envelopes
        self.max_bytes = max_bytes
        self.max_attempts = max_attempts
        self._kept: deque[Kept] = deque()
        self._bytes = 0
        self.failures = 0  # attempts in a row that could not reach the server
        self.retry_at = 0.0  # no new envelope knocks before this (monotonic) time

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def size(self) -> int:
        return self._bytes

    def keep(self, envelope: Envelope, attempts: int, due: float) -> list[Envelope]:
        """Keep ``envelope`` at the back; returns the envelopes pushed out to make room
        (``envelope`` itself when it has used up its attempts or is too large)."""
        size = envelope_size(envelope)
        if size > self.max_bytes or attempts >= self.max_attempts:
            return [envelope]
        evicted: list[Envelope] = []
        while self._kept and (
            len(self._kept) >= self.max_envelopes or self._bytes + size > self.max_bytes
        ):
            evicted.append(self._take(self._kept[0]))
        self._kept.append(Kept(envelope, size, attempts, due))
        self._bytes += size
        return evicted

    def due(self, now: float, force: bool = False) -> list[Kept]:
        """The kept envelopes whose turn has come (all of them when ``force``), oldest first."""
        return [kept for kept in self._kept if force or kept.due <= now]

    def next_due(self) -> float | None:
        """When the next kept envelope is due (None: nothing kept)."""
        return min((kept.due for kept in self._kept), default=None)

    def remove(self, kept: Kept) -> Envelope:
        """Forget ``kept`` (sent, dropped, or about to be kept again)."""
        return self._take(kept)

    def again(self, kept: Kept, envelope: Envelope, attempts: int, due: float) -> bool:
        """``kept`` failed again (as ``envelope``, maybe trimmed): it keeps its place with
        ``attempts`` and its new ``due`` time; False (and forgotten) when out of attempts."""
        if attempts >= self.max_attempts:
            self._take(kept)
            return False
        index = self._kept.index(kept)
        size = envelope_size(envelope) if envelope is not kept.envelope else kept.size
        self._kept[index] = Kept(envelope, size, attempts, due)
        self._bytes += size - kept.size
        return True

    def _take(self, kept: Kept) -> Envelope:
        self._kept.remove(kept)
        self._bytes -= kept.size
        return kept.envelope

    def unreachable(self, now: float, at_least: float = 0.0) -> float:
        """The server could not be reached (or asked for a pause): close the door for a
        back-off; returns the delay."""
        self.failures += 1
        delay = backoff(self.failures, at_least)
        self.retry_at = now + delay
        return delay

    def reached(self) -> None:
        """The server answered: new envelopes may knock again."""
        self.failures = 0
        self.retry_at = 0.0

    def backing_off(self, now: float) -> bool:
        return now < self.retry_at

    def envelopes(self) -> list[Envelope]:
        return [kept.envelope for kept in self._kept]

    def clear(self) -> list[Envelope]:
        dropped = self.envelopes()
        self._kept.clear()
        self._bytes = 0
        self.reached()
        return dropped


__all__ = ["MAX_ATTEMPTS", "Kept", "Retention", "backoff", "envelope_size"]
