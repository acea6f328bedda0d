"""Spotlight: a copy of every envelope for the local Spotlight sidecar.

``init(spotlight=True)`` (or a URL, or the ``SENTRY_SPOTLIGHT`` environment variable:
a boolean word or a URL) puts a :class:`SpotlightTransport` beside the client's
transport: the client's transport is wrapped in a :class:`_Tee` that hands each
envelope to both, through the public ``Transport`` contract only. The copy is posted
by the Spotlight transport's own daemon thread from a small bounded queue, so the
caller never waits and a sidecar that is down never touches delivery to the DSN: its
failures are logged (with ``debug=True``) and back off (1 s doubling to 60 s, during
which copies are skipped). Without a DSN, Spotlight is the only destination and, as
in the official SDK, every event is kept (no sampling) with personal data included.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections import deque

from sentry_lite.transport import Transport
from sentry_lite.transport._process import at_fork_child

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sentry_lite.envelope import Envelope, Item

DEFAULT_SPOTLIGHT_URL = "http://localhost:8969/stream"
_TRUE = {"true", "t", "yes", "y", "on", "1"}
_FALSE = {"false", "f", "no", "n", "off", "0"}
_spotlights: weakref.WeakSet[SpotlightTransport] = weakref.WeakSet()


def resolve_url(config: Any, env: str | None, warn: Callable[[str], None]) -> str | None:
    """The sidecar URL for option ``spotlight`` and ``SENTRY_SPOTLIGHT`` (None: off)."""
    if config is not None and not isinstance(config, (bool, str)):
        raise ValueError(f"Option spotlight must be a bool or a URL, got {config!r}")
    env_on: bool | None = None
    env_url: str | None = None
    if env:
        word = env.strip().lower()
        if word in _TRUE or word in _FALSE:
            env_on = word in _TRUE
        else:
            env_on, env_url = True, env
    if config is False:
        if env_on:
            warn("spotlight=False wins over the SENTRY_SPOTLIGHT environment variable")
        return None
    if config is True:
        return env_url or DEFAULT_SPOTLIGHT_URL
    if isinstance(config, str):
        if env and env != config:
            warn(f"the spotlight URL {config!r} wins over SENTRY_SPOTLIGHT={env!r}")
        return config
    if env_url:
        return env_url
    return DEFAULT_SPOTLIGHT_URL if env_on else None


def setup_spotlight(client: Any) -> None:
    """Plug Spotlight into ``client`` if its options (or the environment) ask for it."""
    url = resolve_url(client.options.spotlight, os.environ.get("SENTRY_SPOTLIGHT"),
                      client.log_debug)
    if url is None:
        return
    client.options.spotlight = url
    spotlight = SpotlightTransport(url, log=client.log_debug)
    client.spotlight = spotlight
    if client.transport is None:
        client.transport = spotlight
        _keep_everything(client.options)
    else:
        client.transport = _Tee(client.transport, spotlight)
    client.log_debug(f"Spotlight: a copy of every envelope goes to {url}")


def _keep_everything(options: Any) -> None:
    # No DSN: the events are for the developer's own eyes (as in the official SDK).
    def keep(*_args: Any, **_kwargs: Any) -> float:
        return 1.0

    options.send_default_pii = True
    options.error_sampler = keep
    options.traces_sampler = keep


class SpotlightTransport(Transport):
    """Posts envelopes to the sidecar from a daemon thread; never blocks, never raises."""

    QUEUE_SIZE = 100
    FIRST_DELAY = 1.0
    MAX_DELAY = 60.0

    def __init__(self, url: str, log: Callable[[str], None] | None = None) -> None:
        super().__init__(None)
        self.url = url
        self._log = log
        self._delay = self.FIRST_DELAY
        self._failed_at = 0.0
        self._http: Any = None
        self._fresh()
        _spotlights.add(self)

    def _fresh(self) -> None:
        self._cond = threading.Condition()
        self._queue: deque[bytes] = deque()
        self._busy = False
        self._thread: threading.Thread | None = None
        self._closed = False

    def capture_envelope(self, envelope: Envelope) -> None:
        try:
            if self._closed or self._backing_off():
                return
            body = envelope.serialize()
            with self._cond:
                if len(self._queue) >= self.QUEUE_SIZE:
                    return  # the sidecar is slow: it misses a copy, the DSN does not
                self._queue.append(body)
                self._cond.notify()
            if self._thread is None:
                self._start()
        except Exception:
            self._say("Spotlight: could not queue an envelope")

    def _backing_off(self) -> bool:
        return bool(self._failed_at) and time.monotonic() - self._failed_at < self._delay

    def _start(self) -> None:
        with self._cond:
            if self._thread is not None:
                return
            thread = threading.Thread(target=self._run, name="sentry_lite.spotlight", daemon=True)
            self._thread = thread
            try:
                thread.start()
            except RuntimeError:
                self._thread = None

    def _run(self) -> None:
        try:  # integrations leave the SDK's own requests (and urllib3's records) out
            from sentry_lite.transport._worker import _local as worker_local

            worker_local.sdk = True
        except ImportError:  # pragma: no cover - part of the package
            pass
        me = threading.current_thread()
        while True:
            with self._cond:
                while not self._queue and not self._closed and self._thread is me:
                    self._busy = False
                    self._cond.notify_all()
                    self._cond.wait()
                if self._closed or self._thread is not me:
                    return
                body = self._queue.popleft()
                self._busy = True
            self._post(body)

    def _post(self, body: bytes) -> None:
        try:
            if self._http is None:
                import urllib3

                self._http = urllib3.PoolManager(
                    timeout=urllib3.Timeout(connect=1.0, read=5.0), retries=False
                )
            response = self._http.request(
                "POST", self.url, body=body,
                headers={"Content-Type": "application/x-sentry-envelope"},
            )
            response.close()
        except Exception as exc:
            self._failed_at = time.monotonic()
            self._delay = min(self._delay * 2, self.MAX_DELAY)
            self._say(f"Spotlight: could not reach {self.url} ({exc}); "
                      f"next try in {self._delay:g} s")
        else:
            self._failed_at = 0.0
            self._delay = self.FIRST_DELAY

    def flush(self, timeout: float, callback: Callable[[int, float], None] | None = None) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None:
                    return False
                self._cond.wait(left)
        return True

    def kill(self) -> None:
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()

    def _say(self, message: str) -> None:
        if self._log is not None:
            try:
                self._log(message)
            except Exception:
                pass


class _Tee(Transport):
    """The client's transport, plus a copy of every envelope for Spotlight."""

    def __init__(self, inner: Transport, spotlight: SpotlightTransport) -> None:
        self.options = getattr(inner, "options", None)
        self.parsed_dsn = getattr(inner, "parsed_dsn", None)
        self.inner = inner
        self.spotlight = spotlight

    def capture_envelope(self, envelope: Envelope) -> None:
        self.spotlight.capture_envelope(envelope)
        self.inner.capture_envelope(envelope)

    def flush(self, timeout: float, callback: Callable[[int, float], None] | None = None) -> Any:
        result = self.inner.flush(timeout, callback)
        self.spotlight.flush(min(timeout, 1.0))
        return result

    def kill(self) -> None:
        self.spotlight.kill()
        self.inner.kill()

    def record_lost_event(
        self, reason: str, data_category: str | None = None, item: Item | None = None,
        *, quantity: int = 1,
    ) -> None:
        self.inner.record_lost_event(reason, data_category, item, quantity=quantity)

    def is_healthy(self) -> bool:
        return self.inner.is_healthy()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["inner"], name)

    def __del__(self) -> None:
        pass  # the inner transport and the spotlight are killed by their own finalizers


# In a forked child: the parent's connection pools, kept and never used (the parent's
# sockets; and freeing a pool runs urllib3's finalizer, which takes a lock a thread of the
# parent may have held at the fork).
_parents_pools: list[Any] = []


def _after_fork_in_child() -> None:
    for spotlight in list(_spotlights):
        if spotlight._http is not None:
            _parents_pools.append(spotlight._http)
            spotlight._http = None
        spotlight._fresh()


at_fork_child(_after_fork_in_child)  # also run when a fork skipped Python's hooks


__all__ = ["DEFAULT_SPOTLIGHT_URL", "SpotlightTransport", "resolve_url", "setup_spotlight"]
