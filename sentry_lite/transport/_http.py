"""The default transport: envelopes POSTed to the DSN from a background thread.

The caller's thread only filters rate-limited items and queues the envelope.
Everything else (JSON, gzip, HTTP, TLS) happens in the worker thread, which
imports the network stack when it sends its first envelope. In a burst that
fills the queue, the caller packs further envelopes (JSON and gzip level 1)
into an overflow lane bounded by bytes instead of dropping them (``_encode.py``).

Server answers: ``X-Sentry-Rate-Limits`` is honoured on any status and a 429
without it limits everything for its ``Retry-After``. 2xx: sent. 429: dropped
(the server has counted it). 413: dropped, counted ``send_error``. 408, 5xx and
network errors: kept in memory and tried again after a back-off (see
``_retry.py``). Other 4xx: dropped, counted ``network_error``.
"""

from __future__ import annotations

import time
from functools import partial

from sentry_lite.consts import DEFAULT_QUEUE_SIZE, DEFAULT_SHUTDOWN_TIMEOUT
from sentry_lite.envelope import PayloadRef
from sentry_lite.transport import Transport
from sentry_lite.transport._encode import COMPRESS_LEVEL, BodyEncoder, Packer
from sentry_lite.transport._ratelimit import ALL, RateLimits
from sentry_lite.transport._reports import ClientReports
from sentry_lite.transport._retry import Retention
from sentry_lite.transport._worker import BackgroundWorker, current_deadline

TYPE_CHECKING = False
if TYPE_CHECKING:
    import weakref
    from collections.abc import Callable, Mapping
    from typing import Any, TypeGuard

    from sentry_lite._options import Options
    from sentry_lite.envelope import Envelope, Item
    from sentry_lite.transport._outbox import Outbox

    OptionsLike = Options | Mapping[str, Any]

# What one packed envelope in the overflow lane holds beyond its compressed bytes: the
# Envelope and Item with their header dicts and strings, the PackedPayload, the job.
# tracemalloc: about 1,400 bytes for a capture_message envelope.
ENVELOPE_OVERHEAD = 1536

# A body prepared ahead (while the server read the previous one) is used if its turn
# comes within this many seconds: its sent_at is then at most that early. (Relay
# corrects a client's clock only when it is off by more than 55 minutes.)
PREPARED_FOR = 1.0

# Envelopes queued behind the one being sent go with it, back to back on the kept-alive
# connection (HTTP/1.1 pipelining), up to this many in all (and about a MiB per write, see
# _pool.Direct): one wake-up of the worker and one write for the lot instead of a round
# trip each (see _exchange). A worker that shares a busy core with the application gets
# the GIL a few hundred times a second at most: what it sends per turn is what it keeps
# up with.
PIPELINE = 64

# Under sustained traffic the worker waits this long before a batch, so that envelopes
# arriving meanwhile go with it: one wake-up of the worker per batch instead of one per
# envelope, which on a busy core means far fewer switches between it and the application.
LINGER = 0.01
SUSTAINED = 0.1

SENT, DROPPED, RETRY = "sent", "dropped", "retry"


def rfc3339(timestamp: float) -> str:
    """``2024-05-09T07:35:25.123456Z`` for a Unix timestamp."""
    seconds = int(timestamp)
    micros = round((timestamp - seconds) * 1_000_000)
    if micros >= 1_000_000:
        seconds, micros = seconds + 1, micros - 1_000_000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{micros:06d}Z"


def _option(options: OptionsLike | None, name: str, default: Any) -> Any:
    if options is None:
        return default
    value = options.get(name)
    return default if value is None else value


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
        self._wall_clock = wall_clock
        self._debug = bool(_option(options, "debug", False))
        timeout = _option(options, "shutdown_timeout", DEFAULT_SHUTDOWN_TIMEOUT)
        self.shutdown_timeout = float(timeout)
        experiments = _option(options, "_experiments", {})
        level = int(experiments.get("transport_compression_level", COMPRESS_LEVEL))
        self._pipelining = bool(experiments.get("transport_pipelining", True))
        dsn = str(self.parsed_dsn) if self.parsed_dsn is not None else None
        self._encoder = BodyEncoder(level, dsn)
        self._packer = Packer()
        self._send_job = self._send  # bound once: the hot path and the look-ahead use it
        self._reports = ClientReports(
            enabled=bool(_option(options, "send_client_reports", True)), clock=wall_clock
        )
        self._limits = RateLimits()
        self._retention = Retention()
        self._channel: Any = None
        self._prepared: tuple[Envelope, int, RateLimits, float, bytes] | None = None
        self._in_flight: list[Envelope] | tuple[()] = ()
        self._last_batch = 0.0
        self._exited = False
        self._worker = BackgroundWorker(
            int(_option(options, "transport_queue_size", DEFAULT_QUEUE_SIZE)),
            name="sentry_lite.HttpTransport",
            retry=self._retry,
            deferred=lambda: len(self._retention) + self._outbox_waiting,
            on_error=self._on_error,
            on_fork_child=self._after_fork,
            overflow_bytes=self.overflow_bytes,
        )
        self._outbox: Outbox | None = None
        self._outbox_waiting = 0  # 1 while files left by another process may wait there
        outbox_path = experiments.get("outbox_path")
        if outbox_path and self.parsed_dsn is not None:
            self._open_outbox(str(outbox_path))
        _register_at_exit(self)

    # -- the caller's thread --------------------------------------------------------

    def capture_envelope(self, envelope: Envelope) -> None:
        """Queue ``envelope`` for sending; never blocks on I/O, never raises."""
        worker = self._worker
        if worker.killed or self.parsed_dsn is None:
            return
        if not self._limits.empty:
            kept = self._without_limited(envelope)
            if kept is None:
                return
            envelope = kept
        if not worker.submit(partial(self._send_job, envelope)):
            self._overflow(envelope)
        if self._exited:
            # Captured after our exit hook ran (another atexit hook, a finalizer).
            worker.flush(self.shutdown_timeout)
            self._to_outbox()

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
        if self._worker.killed:
            return True
        extra = 0
        if self._reports.enabled and self._reports and self._worker.submit(self._send_reports):
            extra = 1
        if callback is not None and extra:
            user_callback = callback

            def callback(pending: int, timeout: float) -> None:
                if pending > extra:
                    user_callback(pending - extra, timeout)

        return self._worker.flush(timeout, callback)

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
            not self._limits.is_limited(ALL, self._clock())
            and self._worker.pending() < self._worker.queue_size
        )

    @property
    def rate_limits(self) -> RateLimits:
        """The rate limits currently known (an immutable value)."""
        return self._limits

    def pending_client_reports(self) -> dict[tuple[str, str], int]:
        """Counts not yet sent: ``{(reason, category): quantity}``."""
        return self._reports.snapshot()

    def _without_limited(self, envelope: Envelope) -> Envelope | None:
        """``envelope`` minus its rate-limited items (counted); None if nothing is left."""
        limits = self._limits
        if limits.empty:
            return envelope
        now = self._clock()
        if limits.is_empty(now):
            return envelope
        kept = []
        for item in envelope.items:
            if limits.is_limited(item.data_category, now):
                self.record_lost_event("ratelimit_backoff", item=item)
            else:
                kept.append(item)
        if len(kept) == len(envelope.items):
            return envelope
        if not kept:
            return None
        from sentry_lite.envelope import Envelope

        return Envelope(headers=envelope.headers, items=kept)

    # -- the worker thread ----------------------------------------------------------

    def _send(self, envelope: Envelope) -> None:
        if not self._limits.empty and self._limits.is_empty(self._clock()):
            self._limits = RateLimits()  # all expired: back to the cheap check
        batch = [envelope]
        channel = self._channel
        if channel is not None and channel.pipelining:
            self._linger()
            jobs = self._worker.take_following(self._is_send_job, PIPELINE - 1)
            batch += [job.args[0] for job in jobs if self._is_send_job(job)]
        sendable = []
        for queued in batch:
            kept = self._without_limited(queued)
            if kept is None:
                continue
            if len(self._retention) and self._retention.backing_off(self._clock()):
                self._keep(kept)  # the server is known to be unreachable: do not knock again yet
                continue
            sendable.append(kept)
        if not sendable:
            return
        self._attach_report(sendable[0])
        hint: float | None = None
        sent = False
        for kept, (outcome, at_least) in zip(sendable, self._attempt_all(sendable), strict=True):
            if outcome == RETRY:
                self._keep(kept)
                hint = at_least if hint is None else max(hint, at_least)
            elif outcome == SENT:
                sent = True
        if hint is not None:
            self._worker.schedule_retry(self._retention.failed(self._clock(), hint))
        elif sent and len(self._retention):
            self._retention.succeeded()
            self._worker.schedule_retry(0.0)

    def _linger(self) -> None:
        """While envelopes keep coming, wait a little for more to send with this one.

        Only under sustained traffic (a batch went out less than ``SUSTAINED`` ago) and
        never while someone flushes: an envelope after a quiet spell goes at once.
        """
        now = self._clock()
        sustained = now - self._last_batch < SUSTAINED
        self._last_batch = now
        worker = self._worker
        if (
            sustained
            and worker.queued() < PIPELINE - 1
            and not worker.flushing()
            and current_deadline() is None
        ):
            time.sleep(LINGER)

    def _is_send_job(self, job: object) -> TypeGuard[partial[None]]:
        return type(job) is partial and job.func == self._send_job

    def _send_reports(self) -> None:
        if not self._reports:
            return
        if len(self._retention) and self._retention.backing_off(self._clock()):
            return  # they go out with the kept envelopes, once the server is back
        payload = self._reports.take()
        if payload is None:
            return
        from sentry_lite.envelope import Envelope

        envelope = Envelope()
        envelope.add_client_report(payload)
        self._send(envelope)

    def _retry(self, force: bool) -> float | None:
        """Try the kept envelopes, oldest first, then the outbox's; the delay until the
        next try, or None."""
        retention = self._retention
        if not len(retention):
            return self._from_outbox()
        if not force and retention.backing_off(self._clock()):
            return retention.retry_at - self._clock()
        while True:
            deadline = current_deadline()
            if deadline is not None and time.monotonic() >= deadline:
                return 0.0
            envelope = retention.peek()
            if envelope is None:
                self._send_reports()
                return self._from_outbox()
            kept = self._without_limited(envelope)
            if kept is None:
                retention.pop()
                continue
            if kept is not envelope:
                retention.replace_first(kept)
            outcome, hint = self._attempt(kept)
            if outcome == RETRY:
                return retention.failed(self._clock(), hint)
            retention.pop()
            if outcome == SENT:
                retention.succeeded()

    def _keep(self, envelope: Envelope) -> None:
        if all(item.type == "client_report" for item in envelope.items):
            self._drop(envelope, None)  # counts go back to the counters, not in the way
            return
        for evicted in self._retention.keep(envelope):
            self._drop(evicted, "network_error")

    def _drop(self, envelope: Envelope, reason: str | None) -> None:
        """Forget ``envelope``; count its items (``reason`` None: the server counted them)."""
        for item in envelope.items:
            if item.type == "client_report":
                self._reports.merge(item.payload.json)
            elif reason is not None:
                self.record_lost_event(reason, item=item)

    def _attach_report(self, envelope: Envelope) -> None:
        reports = self._reports
        if not reports.enabled or not reports:
            return
        if self._limits.is_limited("internal", self._clock()):
            return
        if any(item.type == "client_report" for item in envelope.items):
            return
        payload = reports.take()
        if payload is not None:
            envelope.add_client_report(payload)

    def _attempt(self, envelope: Envelope) -> tuple[str, float]:
        """POST ``envelope`` once; (outcome, minimum delay before a retry)."""
        return self._attempt_all([envelope])[0]

    def _attempt_all(self, envelopes: list[Envelope]) -> list[tuple[str, float]]:
        """POST each of ``envelopes`` once, in order; their outcomes, as for ``_attempt``."""
        outcomes: list[tuple[str, float]] = []
        try:
            self._post(envelopes, outcomes)
        except Exception as exc:  # a bug or a broken setup (a SOCKS proxy without PySocks...)
            self._log("Could not send %s", envelopes[len(outcomes)].description, exc_info=exc)
            for envelope in envelopes[len(outcomes):]:
                self._drop(envelope, "internal_sdk_error")
                outcomes.append((DROPPED, 0.0))
        return outcomes

    def _post(self, envelopes: list[Envelope], outcomes: list[tuple[str, float]]) -> None:
        from sentry_lite.transport import _pool

        assert self.parsed_dsn is not None
        channel = self._channel
        if channel is None:
            compressed = self._encoder.level > 0
            channel = _pool.make_channel(
                self.options or {}, self.parsed_dsn, compressed, self._pipelining
            )
            self._channel = channel
        sent_at = rfc3339(self._wall_clock())  # one for the batch: they leave together
        bodies = [self._body(envelope, sent_at) for envelope in envelopes]
        self._in_flight = envelopes
        try:
            self._exchange(channel, envelopes, bodies, outcomes)
        finally:
            self._in_flight = ()

    def _exchange(
        self,
        channel: Any,
        envelopes: list[Envelope],
        bodies: list[bytes],
        outcomes: list[tuple[str, float]],
    ) -> None:
        """Send ``bodies``, several at a time on a kept-alive connection, and append the
        outcome of each answer to ``outcomes``.

        A server that closes the connection after an answer has not read the requests
        behind it: they go again, on a new connection. A kept-alive connection found
        closed before any answer is tried once more on a new one. A server that drops
        requests of a pipeline gets no pipeline again.
        """
        from sentry_lite.transport._wire import StaleConnection

        stale = False  # found closed before any answer, with no answer since
        looked_ahead = False
        while len(outcomes) < len(envelopes):
            start = len(outcomes)
            count = 0
            try:
                count = channel.send_many(bodies[start:], current_deadline())
                if not looked_ahead:
                    looked_ahead = True
                    self._prepare_next()  # while the server reads these
                for _ in range(count):
                    status, headers = channel.receive()
                    envelope = envelopes[len(outcomes)]
                    outcomes.append(self._answered(envelope, status, headers))
                    if channel.closed():
                        break  # closed after this answer: what follows was not read
            except StaleConnection as exc:
                progressed = len(outcomes) > start
                if progressed:
                    channel.pipelining = False  # answered some, dropped the rest
                elif stale:
                    self._fail_rest(envelopes, outcomes, exc)
                    return
                stale = not progressed
                continue
            except OSError as exc:
                channel.close()
                if count > 1 and len(outcomes) > start:
                    channel.pipelining = False  # answered some, then nothing
                self._fail_rest(envelopes, outcomes, exc)
                return
            if len(outcomes) > start:
                stale = False

    def _fail_rest(
        self, envelopes: list[Envelope], outcomes: list[tuple[str, float]], exc: BaseException
    ) -> None:
        for envelope in envelopes[len(outcomes):]:
            outcomes.append(self._failed(envelope, exc))

    def _body(self, envelope: Envelope, sent_at: str) -> bytes:
        """The body of ``envelope``: the one prepared ahead if it still holds, else a new one."""
        prepared, self._prepared = self._prepared, None
        if (
            prepared is not None
            and prepared[0] is envelope
            and prepared[1] == len(envelope.items)  # no report attached since
            and prepared[2] is self._limits  # no limit learnt since
            and self._clock() - prepared[3] < PREPARED_FOR
        ):
            return prepared[4]
        return self._encoder.body(envelope, sent_at)

    def _prepare_next(self) -> None:
        """Encode the next queued envelope now, while the server reads this one.

        The whole body when nothing would change it at its turn (no rate limit
        known, no client report pending); else its items' JSON (cached).
        """
        job = self._worker.peek()
        if not self._is_send_job(job):
            return
        envelope: Envelope = job.args[0]
        try:
            if self._limits.empty and not self._reports:
                sent_at = rfc3339(self._wall_clock())
                body = self._encoder.body(envelope, sent_at)
                self._prepared = (envelope, len(envelope.items), self._limits, self._clock(), body)
                return
            for item in envelope.items:
                if type(item.payload) is PayloadRef:
                    item.payload.bytes  # noqa: B018 - encodes and caches
        except Exception as exc:
            self._on_error(exc)

    def _failed(self, envelope: Envelope, exc: BaseException) -> tuple[str, float]:
        self._log("Could not send %s: %r; it is kept for a retry", envelope.description, exc)
        return RETRY, 0.0

    def _answered(
        self, envelope: Envelope, status: int, headers: Mapping[str, str]
    ) -> tuple[str, float]:
        self._limits = self._limits.update(status, headers, self._clock(), self._wall_clock())
        if 200 <= status < 300:
            return SENT, 0.0
        self._log("Server answered %s to %s", status, envelope.description)
        if status == 429:
            self._drop(envelope, None)
        elif status == 413:
            self._drop(envelope, "send_error")
        elif status == 408 or status >= 500:
            from sentry_lite.transport._ratelimit import parse_retry_after

            retry_after = headers.get("Retry-After")
            hint = parse_retry_after(retry_after, self._wall_clock()) if retry_after else 0.0
            return RETRY, hint
        else:
            self._drop(envelope, "network_error")
        return DROPPED, 0.0

    # -- plumbing -------------------------------------------------------------------

    def _log(self, message: str, *args: Any, exc_info: BaseException | None = None) -> None:
        if self._debug:
            from sentry_lite._log import get_logger

            get_logger().warning(message, *args, exc_info=exc_info)

    def _on_error(self, exc: BaseException) -> None:
        self._log("Internal error in the transport worker", exc_info=exc)

    def _after_fork(self) -> None:
        # In a forked child: the parent's pool, kept envelopes and counts are the parent's.
        if self._channel is not None:
            self._channel.forget()
        self._channel = None
        self._prepared = None
        self._packer.reset()
        self._retention = Retention()
        self._reports.reset()
        self._exited = False

    def _at_exit(self) -> None:
        self._exited = True
        try:
            self.flush(self.shutdown_timeout)
            self._to_outbox()
        except Exception as exc:
            self._on_error(exc)

    # -- the durable outbox (opt-in, see _outbox.py) ---------------------------------

    def _open_outbox(self, path: str) -> None:
        from sentry_lite.transport._outbox import Outbox

        self._outbox = Outbox.for_dsn(path, str(self.parsed_dsn))
        if len(self._outbox):  # left by a process before us: send them, from the worker
            self._outbox_waiting = 1
            self._worker.submit(lambda: self._worker.schedule_retry(0.0))

    def _from_outbox(self) -> float | None:
        """Send the oldest envelope the outbox holds (the worker's deferred work)."""
        if not self._outbox_waiting or self._outbox is None:
            return None
        data = self._outbox.claim()
        if data is None:
            self._outbox_waiting = 0
            return None
        from sentry_lite.envelope import Envelope

        self._send(Envelope.deserialize(data))
        retention = self._retention
        if len(retention):  # it failed: the outbox waits, on disk, for the server
            return max(retention.retry_at - self._clock(), 0.0)
        return 0.0  # the next one, once the queue is empty

    def _to_outbox(self) -> None:
        """At exit: what is still pending (not the envelope in flight) goes to the outbox."""
        if self._outbox is None:
            return
        jobs = self._worker.take_pending()
        queued = [job.args[0] for job in jobs if self._is_send_job(job)]
        in_flight = {id(envelope) for envelope in self._in_flight}
        pending = [e for e in self._retention.clear() + queued if id(e) not in in_flight]
        if not pending:
            return
        from sentry_lite.envelope import Envelope

        data = []
        for envelope in pending:
            items = [item for item in envelope.items if item.type != "client_report"]
            if items:
                data.append(Envelope(headers=envelope.headers, items=items).serialize())
        try:
            written = self._outbox.write(data)
        except OSError as exc:  # a full or read-only disk: the host must not notice
            self._log("Could not write to the outbox %s", self._outbox.path, exc_info=exc)
            return
        if written < len(data):
            self._log("The outbox is full: %d envelopes are lost", len(data) - written)


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


__all__ = ["HttpTransport"]
