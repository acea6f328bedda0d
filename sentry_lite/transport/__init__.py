"""Transports: what carries envelopes away from the client.

``Transport`` is the contract (the same one the official SDK's custom transports
implement): ``capture_envelope``, ``flush``, ``kill`` and ``record_lost_event``.
``HttpTransport`` is the default when a DSN is set; it loads the network stack
only in its worker thread, when the first envelope is sent.
"""

from __future__ import annotations

from sentry_lite import _dsn
from sentry_lite._options import options_from

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from sentry_lite._options import Options
    from sentry_lite.envelope import Envelope, Item
    from sentry_lite.types import Event


class Transport:
    """Base class of every transport. Subclasses implement ``capture_envelope``."""

    parsed_dsn: _dsn.Dsn | None = None

    def __init__(self, options: Options | Mapping[str, Any] | None = None) -> None:
        self.options = options  # as given: code written for sentry_sdk reads self.options[...]
        self._options = options_from(options)
        dsn = self._options.dsn
        self.parsed_dsn = _dsn.Dsn(dsn) if dsn else None

    def capture_envelope(self, envelope: Envelope) -> None:
        """Take ownership of ``envelope`` and deliver it. Must not block on I/O."""
        raise NotImplementedError

    def capture_event(self, event: Event) -> None:
        """Old entry point: wraps ``event`` in an envelope."""
        from sentry_lite.envelope import Envelope

        envelope = Envelope(headers={"event_id": event.get("event_id")})
        envelope.add_event(event)
        self.capture_envelope(envelope)

    def flush(
        self, timeout: float, callback: Callable[[int, float], None] | None = None
    ) -> bool | None:
        """Wait up to ``timeout`` seconds for pending envelopes to be sent.

        Transports that know return True when nothing is left pending.
        """
        return None

    def kill(self) -> None:
        """Stop at once, dropping what is pending."""

    def record_lost_event(
        self,
        reason: str,
        data_category: str | None = None,
        item: Item | None = None,
        *,
        quantity: int = 1,
    ) -> None:
        """Count an envelope item dropped before delivery (for client reports)."""

    def is_healthy(self) -> bool:
        return True

    def __del__(self) -> None:
        try:
            self.kill()
        except Exception:
            pass


class _FunctionTransport(Transport):
    """Wraps the old ``transport=callable(event)`` form: the function gets the error events
    only, as in the official SDK (transactions, sessions, logs... are not events to it)."""

    def __init__(self, func: Callable[[Event], None]) -> None:
        super().__init__(None)
        self._func = func

    def capture_envelope(self, envelope: Envelope) -> None:
        event = envelope.get_event()
        if event is not None:
            self._func(event)


def make_transport(options: Any) -> Transport | None:
    """The transport ``init()`` asked for: an instance, a class, a callable, or HTTP."""
    chosen = options.transport
    if chosen is None:
        if not options.dsn:
            return None
        from sentry_lite.transport._http import HttpTransport

        return HttpTransport(options)
    if isinstance(chosen, type):
        instance: Transport = chosen(options)
        return instance
    if hasattr(chosen, "capture_envelope"):
        return chosen  # type: ignore[no-any-return]
    if callable(chosen):
        return _FunctionTransport(chosen)
    raise ValueError(
        f"Option transport must be a Transport, a subclass or a callable, got {chosen!r}"
    )


# Public names of the official ``sentry_sdk.transport``, loaded when first asked for
# (importing this package stays cheap): (module, attribute).
_LAZY = {
    "HttpTransport": ("sentry_lite.transport._http", "HttpTransport"),
    "BaseHttpTransport": ("sentry_lite.transport._http", "HttpTransport"),
    "HttpTransportCore": ("sentry_lite.transport._http", "HttpTransport"),
    "Http2Transport": ("sentry_lite.transport._http", "HttpTransport"),
    "BackgroundWorker": ("sentry_lite.worker", "BackgroundWorker"),
    "Worker": ("sentry_lite.worker", "Worker"),
    "Envelope": ("sentry_lite.envelope", "Envelope"),
    "Item": ("sentry_lite.envelope", "Item"),
    "PayloadRef": ("sentry_lite.envelope", "PayloadRef"),
    "VERSION": ("sentry_lite.consts", "VERSION"),
    "Dsn": ("sentry_lite.utils", "Dsn"),  # the official one, with org_id
}

# No HTTP/2 and no asyncio transport (docs/migration.md): Http2Transport is HttpTransport.
HTTP2_ENABLED = False
ASYNC_TRANSPORT_AVAILABLE = False


def __getattr__(name: str) -> Any:
    if name == "KEEP_ALIVE_SOCKET_OPTIONS":
        from sentry_lite.transport._settings import keepalive_options

        return keepalive_options()
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(name)


__all__ = [
    "ASYNC_TRANSPORT_AVAILABLE",
    "HTTP2_ENABLED",
    "KEEP_ALIVE_SOCKET_OPTIONS",
    "VERSION",
    "BackgroundWorker",
    "BaseHttpTransport",
    "Dsn",
    "Envelope",
    "Http2Transport",
    "HttpTransport",
    "HttpTransportCore",
    "Item",
    "PayloadRef",
    "Transport",
    "Worker",
    "make_transport",
]
