"""The default transport: envelopes POSTed to the DSN from a background thread.

``HttpTransport`` is the ``Transport`` contract and the queueing: the caller's
thread only filters rate-limited items and queues the envelope (in a burst that
fills the queue, it packs further envelopes into an overflow lane bounded by
bytes instead of dropping them, see ``_encode.py``). The worker thread runs the
``Sender`` (``_sender.py``): JSON, gzip and HTTP through urllib3, the answers,
the retries. The network stack is imported when the first envelope is sent.
"""

from __future__ import annotations

import time
from functools import partial
from os import getpid

from sentry_lite.consts import DEFAULT_QUEUE_SIZE, DEFAULT_SHUTDOWN_TIMEOUT
from sentry_lite.envelope import Envelope
from sentry_lite.transport import Transport, _process
from sentry_lite.transport._encode import COMPRESS_LEVEL, BodyEncoder, Packer
from sentry_lite.transport._process import exit_time_left
from sentry_lite.transport._ratelimit import ALL, without_limited
from sentry_lite.transport._reports import ClientReports
from sentry_lite.transport._sender import Sender, rfc3339
from sentry_lite.transport._worker import BackgroundWorker

TYPE_CHECKING = False
if TYPE_CHECKING:
    import weakref
    from collections.abc import Callable, Mapping
    from typing import Any

    from sentry_lite._options import Options
    from sentry_lite.envelope import Item
    from sentry_lite.transport._ratelimit import RateLimits
    from sentry_lite.transport._route import Route
    from sentry_lite.transport._shelf import Shelf

    OptionsLike = Options | Mapping[str, Any]

# What one packed envelope in the overflow lane holds beyond its compressed bytes: the
# Envelope and Item with their header dicts and strings, the PackedPayload, the job.
# tracemalloc: about 1,400 bytes for a capture_message envelope.
ENVELOPE_OVERHEAD = 1536


class HttpTransport(Transport):
    """Sends envelopes to the DSN's envelope endpoint; see the module docstring.

    ``overflow_bytes``: what envelopes packed in a burst may take (compressed),
    behind the ``transport_queue_size`` envelopes of the queue; a subclass may
    change it.
    """

    overflow_bytes = 16 * 1024 * 1024

    def __init__(
        self,
        options: OptionsLike | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(options)
        self._clock = clock
        opts = self._options
        self._debug = bool(opts.debug)
        self.shutdown_timeout = float(
            DEFAULT_SHUTDOWN_TIMEOUT if opts.shutdown_timeout is None else opts.shutdown_timeout
        )
        level = opts.transport_compression_level
        if level is None:
            level = opts.transport_zlib_compression_level  # its older name
        level = COMPRESS_LEVEL if level is None else int(level)
        dsn = str(self.parsed_dsn) if self.parsed_dsn is not None else None
        self._packer = Packer()
        self._send_job = self._send  # bound once: the hot path and the outbox use it
        self._reports = ClientReports(
            enabled=opts.send_client_reports is not False, clock=wall_clock
        )
        self._sender = Sender(
            self._make_route, BodyEncoder(level, dsn), self._reports, self,
            clock=clock, wall_clock=wall_clock, log=self._log,
        )
        self._exited = False
        self._worker = BackgroundWorker(
            int(opts.transport_queue_size or DEFAULT_QUEUE_SIZE),
            name="sentry_lite.HttpTransport",
            retry=self._retry,
            deferred=self._deferred,
            on_error=self._on_error,
            on_fork_child=self._after_fork,
            overflow_bytes=self.overflow_bytes,
        )
        self._shelf: Shelf | None = None
        outbox_path = opts.outbox_path
        if outbox_path and self.parsed_dsn is not None:
            from sentry_lite.transport._shelf import Shelf

            self._shelf = Shelf(str(outbox_path), str(self.parsed_dsn), self._sender, self._log)
            if self._shelf.waiting:  # left by a process before us: sent from the worker
                self._worker.submit(lambda: self._worker.schedule_retry(0.0))
        _register_at_exit(self)

    # -- the caller's thread --------------------------------------------------------

    def capture_envelope(self, envelope: Envelope) -> None:
        """Queue ``envelope`` for sending; never blocks on I/O, never raises."""
        if getpid() != _process.pid:
            _process.adopt_fork()  # forked without Python's fork hooks: restart the worker
        worker = self._worker
        if worker.killed or self.parsed_dsn is None:
            return
        limits = self._sender.limits
        if not limits.empty:
            kept = without_limited(envelope, limits, self._clock(), self)
            if kept is None:
                return
            envelope = kept
        if not worker.submit(partial(self._send_job, envelope)):
            self._overflow(envelope)
        if self._exited:
            # Captured after our exit hook ran (another atexit hook, a finalizer).
            self._at_exit()

    def _overflow(self, envelope: Envelope) -> None:
        """The queue is full (a burst): pack ``envelope`` into the overflow lane, or drop it."""
        worker = self._worker
        queued = False
        if worker.overflow_size + ENVELOPE_OVERHEAD <= worker.overflow_bytes:
            try:
                packed, size = self._packer.pack(envelope)
            except Exception as exc:  # a bug: never the host's problem
                self._log("Could not pack %s", envelope.description, exc_info=exc)
            else:
                job = partial(self._send_job, packed)
                queued = worker.submit_compact(job, size + ENVELOPE_OVERHEAD)
        if not queued:
            for item in envelope.items:
                self.record_lost_event("queue_overflow", item=item)

    def record_lost_event(
        self,
        reason: str,
        data_category: str | None = None,
        item: Item | None = None,
        *,
        quantity: int = 1,
    ) -> None:
        if item is not None:
            self._reports.record_item(reason, item)
            if item.type == "transaction":
                spans = (item.payload.json or {}).get("spans") or ()
                self._reports.record(reason, "span", len(spans) + 1)
            return
        self._reports.record(reason, data_category or "default", quantity)

    def flush(self, timeout: float, callback: Callable[[int, float], None] | None = None) -> bool:
        """Wait up to ``timeout`` s for queued and kept envelopes; True when none is left."""
        if getpid() != _process.pid:
            _process.adopt_fork()
        worker = self._worker
        if worker.killed:
            return True
        extra = 0
        if self._reports.enabled and self._reports and worker.submit(self._sender.send_reports):
            extra = 1
        if callback is not None and extra:
            user_callback = callback

            def callback(pending: int, timeout: float) -> None:
                if pending > extra:
                    user_callback(pending - extra, timeout)

        done = worker.flush(timeout, callback)
        if not done and not self._exited:
            self._log("flush(%g) timed out: %s", timeout, self._left())
        return done

    def _left(self) -> str:
        """How many envelopes are left, and why (for the debug log)."""
        sender, worker = self._sender, self._worker
        kept = len(sender.retention)
        why = []
        if sender.in_flight is not None:
            why.append("one waits for the server's answer")
        if kept:
            delay = max(sender.retention.retry_at - self._clock(), 0.0)
            why.append(f"{kept} kept after failures (next try in {delay:.1f} s)")
        if worker.queued():
            why.append(f"{worker.queued()} queued behind")
        return f"{worker.pending()} envelope(s) left: " + ("; ".join(why) or "in progress")

    def close(self, timeout: float | None = None) -> None:
        """Flush for up to ``timeout`` (default ``shutdown_timeout``), then stop."""
        self.flush(self.shutdown_timeout if timeout is None else timeout)
        self.kill()

    def kill(self) -> None:
        """Stop at once; queued and kept envelopes are dropped."""
        worker = getattr(self, "_worker", None)
        if worker is None:
            return
        worker.kill()
        if _live is not None:
            _live.discard(self)

    def is_healthy(self) -> bool:
        return (
            not self._sender.limits.is_limited(ALL, self._clock())
            and self._worker.pending() < self._worker.queue_size
        )

    @property
    def rate_limits(self) -> RateLimits:
        """The rate limits currently known (an immutable value)."""
        return self._sender.limits

    def pending_client_reports(self) -> dict[tuple[str, str], int]:
        """Counts not yet sent: ``{(reason, category): quantity}``."""
        return self._reports.snapshot()

    # -- the worker thread ----------------------------------------------------------

    def _make_route(self) -> Route:
        from sentry_lite.transport._route import Route

        assert self.parsed_dsn is not None
        return Route(self._options, self.parsed_dsn, self._sender.compressed)

    def _send(self, envelope: Envelope) -> None:
        delay = self._sender.send(envelope)
        if delay is not None:
            self._worker.schedule_retry(delay)

    def _envelope_of(self, job: object) -> Envelope | None:
        """The envelope a queued send job carries (None: another kind of job)."""
        if isinstance(job, partial) and job.func == self._send_job and job.args:
            envelope = job.args[0]
            if isinstance(envelope, Envelope):
                return envelope
        return None

    def _retry(self, force: bool) -> float | None:
        """The worker's deferred work: kept envelopes, then the outbox's; the delay
        until it wants to run again, or None."""
        sender = self._sender
        if len(sender.retention):
            delay = sender.retry(force)
            if delay is not None:
                return delay
            sender.send_reports()
        return self._shelf.send_one() if self._shelf is not None else None

    def _deferred(self) -> int:
        shelf = self._shelf
        return len(self._sender.retention) + (shelf.waiting if shelf is not None else 0)

    # -- plumbing -------------------------------------------------------------------

    def _log(self, message: str, *args: object, exc_info: BaseException | None = None) -> None:
        if self._debug:
            from sentry_lite._log import get_logger

            get_logger().warning(message, *args, exc_info=exc_info)

    def _on_error(self, exc: BaseException) -> None:
        self._log("Internal error in the transport worker", exc_info=exc)

    def _after_fork(self) -> None:
        # In a forked child: the parent's connections, kept envelopes and counts are the parent's.
        self._sender.after_fork()
        self._packer.reset()
        self._reports.reset()
        self._exited = False

    def _at_exit(self) -> None:
        """Flush within what is left of the process's one exit deadline, then shelve
        what is still pending (the opt-in outbox)."""
        self._exited = True
        try:
            if not self.flush(exit_time_left(self.shutdown_timeout)):
                self._log("At exit, %s; abandoned (shutdown_timeout=%g s, one deadline for "
                          "every exit hook)", self._left(), self.shutdown_timeout)
            if self._shelf is not None:
                jobs = self._worker.take_pending()
                queued = [e for e in map(self._envelope_of, jobs) if e is not None]
                self._shelf.store(queued)
        except Exception as exc:
            self._on_error(exc)


_live: weakref.WeakSet[HttpTransport] | None = None


def _register_at_exit(transport: HttpTransport) -> None:
    global _live
    if _live is None:
        import atexit
        import weakref

        _live = weakref.WeakSet()
        atexit.register(_flush_at_exit)
    _live.add(transport)


def _flush_at_exit() -> None:
    for transport in list(_live or ()):
        transport._at_exit()


__all__ = ["HttpTransport", "rfc3339"]
