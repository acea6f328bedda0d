"""The transport's use of the durable outbox (opt-in, ``_outbox.py``).

At exit, what is still pending (queued, packed, kept for another try; never the
envelope a request is in flight for: it may have arrived) is written to the
outbox; a later process with the same path and DSN sends it as deferred work of
its worker, one envelope at a time, when its queue is empty.
"""

from __future__ import annotations

from sentry_lite.transport._outbox import Outbox

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sentry_lite.envelope import Envelope
    from sentry_lite.transport._sender import Log, Sender


class Shelf:
    """The outbox as the worker and the exit hook see it."""

    def __init__(self, path: str, dsn: str, sender: Sender, log: Log) -> None:
        self._outbox = Outbox.for_dsn(path, dsn)
        self._sender = sender
        self._log = log
        self.waiting = 1 if len(self._outbox) else 0  # files another process may have left

    def send_one(self) -> float | None:
        """Send the oldest envelope the outbox holds; the delay before the next one
        (None: the outbox is empty)."""
        if not self.waiting:
            return None
        data = self._outbox.claim()
        if data is None:
            self.waiting = 0
            return None
        from sentry_lite.envelope import Envelope

        delay = self._sender.send(Envelope.deserialize(data))
        if delay is not None:  # it failed: the outbox waits, on disk, for the server
            return max(delay, 0.0)
        return 0.0  # the next one, once the queue is empty

    def store(self, queued: list[Envelope]) -> None:
        """At exit: write what is pending (kept, then ``queued``), not the one in flight."""
        sender = self._sender
        in_flight = sender.in_flight
        pending = [e for e in sender.retention.clear() + queued if e is not in_flight]
        from sentry_lite.envelope import Envelope

        data = []
        for envelope in pending:
            items = [item for item in envelope.items if item.type != "client_report"]
            if items:
                data.append(Envelope(headers=envelope.headers, items=items).serialize())
        if not data:
            return
        try:
            written = self._outbox.write(data)
        except OSError as exc:  # a full or read-only disk: the host must not notice
            self._log("Could not write to the outbox %s", self._outbox.path, exc_info=exc)
            return
        if written < len(data):
            self._log("The outbox is full: %d envelopes are lost", len(data) - written)


__all__ = ["Shelf"]
