"""The testing kit: see what your code reports to Sentry, in your own tests.

With sentry_lite installed, pytest finds these fixtures by itself::

    def test_checkout(sentry_events):
        checkout(region="eu")                  # code that reports through sentry_lite
        assert sentry_events[0]["tags"]["region"] == "eu"

- ``sentry_events``: events (as sent on the wire, JSON decoded) captured during the test;
- ``sentry_transactions``: the same for transactions;
- ``sentry_envelopes``: the raw :class:`~sentry_lite.envelope.Envelope` objects;
- ``sentry_lost``: drops the SDK counted (reason, category, quantity);
- ``sentry_init``: ``sentry_init(**options)`` initialises the SDK for this test;
- ``sentry_clean``: fresh scopes and no client before and after the test;
- ``sentry_server``: a real Sentry-compatible HTTP server on 127.0.0.1 (``.dsn``), a
  :class:`LoopbackServer` that decodes every envelope and can be scripted (rate limits,
  outages, a server that never answers).

Any ``init()`` made while one of these fixtures is active (by your application code too)
delivers to the test's in-memory transport instead of the network, unless it passes its
own ``transport=``. Outside pytest, use :class:`CapturingTransport` directly.
"""

from __future__ import annotations

import json

from sentry_lite import client as _client_module
from sentry_lite import scope as _scope_module
from sentry_lite.envelope import Envelope
from sentry_lite.transport import Transport

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from sentry_lite._loopback import LoopbackServer, RecordedRequest, Reply
    from sentry_lite.envelope import Item
    from sentry_lite.types import Event


class Capture:
    """What one or more capturing transports received."""

    def __init__(self, validate: bool = False) -> None:
        self.envelopes: list[Envelope] = []
        self.events: list[Event] = []
        self.transactions: list[Event] = []
        self.lost: list[tuple[str, str | None, int]] = []
        self.validate = validate

    def add(self, envelope: Envelope) -> None:
        # Round-trip through the wire format, so tests see exactly what would be sent.
        decoded = Envelope.deserialize(envelope.serialize())
        self.envelopes.append(decoded)
        for item in decoded.items:
            payload = item.payload.json
            if item.type == "event":
                self._check(payload)
                self.events.append(payload)
            elif item.type == "transaction":
                self._check(payload)
                self.transactions.append(payload)

    def _check(self, event: Event) -> None:
        if self.validate:
            assert_valid_event(event)


class CapturingTransport(Transport):
    """A transport that keeps every envelope in memory, synchronously."""

    def __init__(self, options: Any = None, capture: Capture | None = None) -> None:
        super().__init__(options)
        self.capture = capture if capture is not None else Capture()

    @property
    def envelopes(self) -> list[Envelope]:
        return self.capture.envelopes

    @property
    def events(self) -> list[Event]:
        return self.capture.events

    @property
    def transactions(self) -> list[Event]:
        return self.capture.transactions

    def capture_envelope(self, envelope: Envelope) -> None:
        self.capture.add(envelope)

    def record_lost_event(
        self,
        reason: str,
        data_category: str | None = None,
        item: Item | None = None,
        *,
        quantity: int = 1,
    ) -> None:
        category = data_category or (item.data_category if item is not None else None)
        self.capture.lost.append((reason, category, quantity))


# -- Relay's normalizer as a validator --------------------------------------------

_normalizer: list[Any] = []


def relay_errors(event: Event) -> list[dict[str, Any]]:
    """The schema errors Relay's normalizer finds in ``event`` (needs ``sentry-relay``)."""
    if not _normalizer:
        from sentry_relay.processing import StoreNormalizer

        _normalizer.append(StoreNormalizer())
    normalized = _normalizer[0].normalize_event(json.loads(json.dumps(event)))
    errors: list[dict[str, Any]] = normalized.get("errors") or []
    return errors


def assert_valid_event(event: Event) -> None:
    """Fail if Relay's normalizer reports any error for ``event``."""
    errors = relay_errors(event)
    assert not errors, f"Relay rejects parts of the event: {errors}"


# -- resetting state ---------------------------------------------------------------


def reset() -> None:
    """Unbind the client and forget every scope (global, isolation, current)."""
    old = _scope_module.get_client()
    _scope_module._reset_all_scopes()
    del _client_module._transport_override[:]
    if old.is_active():
        old.close(timeout=0)


class Capturing:
    """Route every ``init()`` to an in-memory transport while active."""

    def __init__(self, validate: bool = False) -> None:
        self.capture = Capture(validate=validate)

    def factory(self, options: Any) -> Transport:
        return CapturingTransport(options, self.capture)

    def __enter__(self) -> Capture:
        _client_module._transport_override.append(self.factory)
        return self.capture

    def __exit__(self, *args: object) -> None:
        try:
            _client_module._transport_override.remove(self.factory)
        except ValueError:
            pass


# -- pytest fixtures ---------------------------------------------------------------

try:
    import pytest
except ImportError:  # pragma: no cover - the kit also works without pytest
    pytest = None  # type: ignore[assignment]


def _validate_setting(config: Any) -> bool:
    try:
        return bool(config.getini("sentry_lite_validate_events"))
    except (ValueError, AttributeError):
        return False


if pytest is not None:

    def pytest_addoption(parser: Any) -> None:
        parser.addini(
            "sentry_lite_validate_events",
            "check every captured event with Relay's normalizer (needs sentry-relay)",
            type="bool",
            default=False,
        )

    @pytest.fixture
    def sentry_clean() -> Iterator[None]:
        """Fresh scopes and no client before and after the test."""
        reset()
        yield
        reset()

    @pytest.fixture
    def _sentry_capture(request: Any, sentry_clean: None) -> Iterator[Capture]:
        with Capturing(validate=_validate_setting(request.config)) as capture:
            yield capture

    @pytest.fixture
    def sentry_init(_sentry_capture: Capture) -> Callable[..., Any]:
        """``sentry_init(**options)``: initialise the SDK; events go to the test's capture."""

        def init(*args: Any, **options: Any) -> Any:
            from sentry_lite.api import init as _init

            _init(*args, **options)
            return _scope_module.get_client()

        return init

    def _ensure_client() -> None:
        if not _scope_module.get_client().is_active():
            from sentry_lite.api import init as _init

            _init(default_integrations=False)

    @pytest.fixture
    def sentry_events(_sentry_capture: Capture) -> list[Event]:
        """Error events sent during the test (initialises the SDK if needed)."""
        _ensure_client()
        return _sentry_capture.events

    @pytest.fixture
    def sentry_transactions(_sentry_capture: Capture) -> list[Event]:
        """Transactions sent during the test (initialises the SDK if needed)."""
        _ensure_client()
        return _sentry_capture.transactions

    @pytest.fixture
    def sentry_envelopes(_sentry_capture: Capture) -> list[Envelope]:
        """Every envelope sent during the test (initialises the SDK if needed)."""
        _ensure_client()
        return _sentry_capture.envelopes

    @pytest.fixture
    def sentry_lost(_sentry_capture: Capture) -> list[tuple[str, str | None, int]]:
        """(reason, category, quantity) of every drop the SDK counted during the test."""
        return _sentry_capture.lost

    @pytest.fixture
    def sentry_server() -> Iterator[Any]:
        """A real Sentry-compatible server on 127.0.0.1; ``init(dsn=sentry_server.dsn)``."""
        from sentry_lite._loopback import LoopbackServer

        with LoopbackServer() as server:
            yield server


def __getattr__(name: str) -> Any:
    # The loopback server (http.server, ssl) loads only when a test asks for it.
    if name in ("LoopbackServer", "Reply", "RecordedRequest"):
        from sentry_lite import _loopback

        return getattr(_loopback, name)
    raise AttributeError(f"module 'sentry_lite.testing' has no attribute {name!r}")


__all__ = [
    "Capture",
    "Capturing",
    "CapturingTransport",
    "LoopbackServer",
    "RecordedRequest",
    "Reply",
    "assert_valid_event",
    "relay_errors",
    "reset",
]
