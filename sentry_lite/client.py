"""The client: turns what the application reports into envelopes for the transport.

``Client`` coordinates the parts of one ``init()``: the options, the transport, the
integrations, the event pipeline (``sentry_lite._pipeline``: filter, sample, merge the
scopes, scrub, ``before_send``, envelope), the logs and metrics (``sentry_lite._telemetry``)
and the sessions (``sentry_lite.sessions``). Every drop is counted by reason through
``Client._lost``, for client reports.
"""

from __future__ import annotations

import sys
from os import environ

from sentry_lite import _log
from sentry_lite._event.exceptions import event_from_exception, exc_info_from_error
from sentry_lite._options import Options, build_options, options_from, warn_inert_options
from sentry_lite._pipeline import CATEGORIES, EventPipeline
from sentry_lite.transport import make_transport

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sentry_lite._dsn import Dsn
    from sentry_lite._telemetry import Telemetry
    from sentry_lite.envelope import Envelope
    from sentry_lite.integrations import Integration
    from sentry_lite.scope import Scope
    from sentry_lite.session import Session
    from sentry_lite.sessions import SessionFlusher
    from sentry_lite.transport import Transport
    from sentry_lite.types import Event, Hint

# Set by ``sentry_lite.testing`` to route every client's envelopes to a test transport.
_transport_override: list[Callable[[Options], Transport]] = []


class BaseClient:
    """The base of both clients, so ``isinstance(get_client(), BaseClient)`` holds."""

    __slots__ = ()


class NonRecordingClient(BaseClient):
    """The client in place before ``init()``: accepts everything, records nothing."""

    recording = False
    spotlight = None

    def __init__(self, options: Any = None) -> None:
        if options is None or isinstance(options, Options):
            self.options = options or Options()
        else:
            self.options = options_from(options)
        self.transport: Transport | None = None
        self.integrations: dict[str, Integration] = {}

    @property
    def dsn(self) -> str | None:
        return None

    @property
    def parsed_dsn(self) -> Dsn | None:
        return None

    def is_active(self) -> bool:
        return False

    def should_send_default_pii(self) -> bool:
        return False

    def capture_event(self, *args: Any, **kwargs: Any) -> str | None:
        return None

    def event_from_error(self, error: Any) -> tuple[Event, Hint] | None:
        return None

    def _capture_log(self, log: Any, scope: Any) -> None:
        return None

    def _capture_metric(self, metric: Any, scope: Any) -> None:
        return None

    def flush(self, timeout: float | None = None, callback: Any = None) -> None:
        return None

    def close(self, timeout: float | None = None, callback: Any = None) -> None:
        return None

    async def flush_async(self, timeout: float | None = None, callback: Any = None) -> None:
        return None

    async def close_async(self, timeout: float | None = None, callback: Any = None) -> None:
        return None

    def get_integration(self, name_or_class: Any) -> Integration | None:
        return None

    def capture_session(self, session: Any) -> None:
        return None

    def log_error(self, message: str) -> None:
        return None

    def log_debug(self, message: str) -> None:
        return None

    def __enter__(self) -> NonRecordingClient:
        return self

    def __exit__(self, *args: object) -> None:
        return None


NON_RECORDING_CLIENT = NonRecordingClient()


class Client(BaseClient):
    """Holds the options, the transport and the integrations of one ``init()``."""

    recording = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) > 1:
            raise TypeError("Client() takes at most one positional argument (the DSN)")
        if args and isinstance(args[0], Options):
            self.options = args[0]
        else:
            self.options = build_options(args[0] if args else None, kwargs)
        options = self.options
        self._debug = options.debug
        self._parsed_dsn: Dsn | None = None
        if options.dsn:
            from sentry_lite._dsn import Dsn

            self._parsed_dsn = Dsn(options.dsn)
        if _transport_override and options.transport is None:
            self.transport: Transport | None = _transport_override[-1](options)
        else:
            self.transport = make_transport(options)
        if self.transport is not None and "uwsgi" in sys.modules:  # inside a uWSGI process
            from sentry_lite.integrations._uwsgi import warn_if_uwsgi_cannot_send

            warn_if_uwsgi_cannot_send()
        self.spotlight: Any = None
        self._telemetry: Telemetry | None = None  # logs and metrics, made on first use
        if options.spotlight or "SENTRY_SPOTLIGHT" in environ:
            from sentry_lite._spotlight import setup_spotlight

            setup_spotlight(self)
        self._events = EventPipeline(self)  # what capture_event runs each event through
        self._session_flusher: SessionFlusher | None = None  # made with the first session
        self.integrations: dict[str, Integration] = {}
        for name in warn_inert_options(options):  # a warning once per process, per option
            self.log_debug(f"option {name} is accepted but has no effect in sentry_lite")
        from sentry_lite.integrations import setup_from_options  # the layer above the client

        self.integrations = setup_from_options(options, self.log_debug)
        self._integration_names = sorted(self.integrations)
        if options.functions_to_trace:
            from sentry_lite.tracing._functions import instrument  # loaded when asked for

            instrument(options.functions_to_trace, self.log_debug)
        self._setup_profiling()

    def _setup_profiling(self) -> None:
        options = self.options
        if (options.profiles_sample_rate is not None or options.profiles_sampler is not None
                or options.profile_session_sample_rate is not None
                or "sentry_lite.profiler._hooks" in sys.modules):
            from sentry_lite.profiler._hooks import setup  # loaded only when profiling

            setup(self)

    # -- properties ----------------------------------------------------------------

    @property
    def dsn(self) -> str | None:
        return self.options.dsn

    @property
    def parsed_dsn(self) -> Dsn | None:
        return self._parsed_dsn

    def is_active(self) -> bool:
        return True

    def should_send_default_pii(self) -> bool:
        return bool(self.options.send_default_pii)

    def get_integration(self, name_or_class: Any) -> Integration | None:
        name = name_or_class if isinstance(name_or_class, str) else name_or_class.identifier
        return self.integrations.get(name)

    # -- diagnostics ---------------------------------------------------------------

    def log_error(self, message: str) -> None:
        _log.log(self._debug, "error", message, exc_info=True)

    def log_debug(self, message: str) -> None:
        _log.log(self._debug, "debug", message)

    def _lost(self, reason: str, category: str, quantity: int = 1) -> None:
        transport = self.transport
        if transport is not None:
            try:
                transport.record_lost_event(reason, data_category=category, quantity=quantity)
            except Exception:
                self.log_error("transport.record_lost_event raised")
        self.log_debug(f"dropped an event ({category}): {reason}")

    # -- spotlight, logs and metrics ----------------------------------------------------

    def _telemetry_or_none(self) -> Telemetry | None:
        if self._telemetry is None and self.transport is not None:
            from sentry_lite._telemetry import telemetry_for

            return telemetry_for(self, self._capture_envelope)
        return self._telemetry

    def _capture_log(self, log: Any, scope: Scope) -> None:
        """Batch a log record (the ``Log`` dict ``sentry_lite.logger`` builds)."""
        self._capture_record("log_item", log, scope)

    def _capture_metric(self, metric: Any, scope: Scope) -> None:
        """Batch a metric record (the ``Metric`` dict ``sentry_lite.metrics`` builds)."""
        self._capture_record("trace_metric", metric, scope)

    def _capture_record(self, category: str, record: Any, scope: Scope) -> None:
        telemetry = self._telemetry or self._telemetry_or_none()
        if telemetry is None or record is None:
            return
        try:
            if category == "log_item":
                telemetry.capture_log(record, scope)
            else:
                telemetry.capture_metric(record, scope)
        except Exception:
            self.log_error(f"internal error while capturing a record ({category})")
            self._lost("internal_sdk_error", category)

    # -- capture -------------------------------------------------------------------

    def event_from_error(self, error: Any) -> tuple[Event, Hint] | None:
        """The event and hint for an exception, an ``exc_info`` or the one being handled."""
        exc_info = exc_info_from_error(error)
        if exc_info is None:
            return None
        return event_from_exception(exc_info, self.options)

    def capture_event(
        self,
        event: Event,
        hint: Hint | None = None,
        scope: Scope | None = None,
        scopes: list[Scope] | None = None,
    ) -> str | None:
        """Run ``event`` through the pipeline; its id, or ``None`` if it was dropped."""
        if self.transport is None:
            return None
        category = CATEGORIES.get(event.get("type"), "error")  # type: ignore[arg-type]
        try:
            layers = scopes if scopes is not None else ([scope] if scope is not None else [])
            return self._events.run(event, hint if hint is not None else {}, layers, category)
        except Exception:
            self.log_error("internal error while capturing an event")
            self._lost("internal_sdk_error", category)
            return None

    # -- sessions (release health) ---------------------------------------------------

    def capture_session(self, session: Session) -> None:
        """Queue a closed session: counted (request mode) or sent as an item."""
        if self.transport is None:
            return
        if not session.release:
            self.log_debug("a session without a release is dropped")
            return
        flusher = self._session_flusher
        if flusher is None:
            from sentry_lite.sessions import flusher_for

            flusher = flusher_for(self, self._capture_envelope, self._lost)
        flusher.add_session(session)

    @property
    def session_flusher(self) -> SessionFlusher | None:
        return self._session_flusher

    def _capture_envelope(self, envelope: Envelope) -> None:
        transport = self.transport
        if transport is not None:
            transport.capture_envelope(envelope)

    def _flush_sessions(self) -> None:
        if self._session_flusher is not None:
            try:
                self._session_flusher.flush()
            except Exception:
                self.log_error("could not send the pending sessions")

    # -- flushing ------------------------------------------------------------------

    def flush(
        self, timeout: float | None = None, callback: Callable[[int, float], None] | None = None
    ) -> None:
        """Wait up to ``timeout`` seconds (default ``shutdown_timeout``) for delivery."""
        if self.transport is None:
            return
        if timeout is None:
            timeout = self.options.shutdown_timeout
        if self._telemetry is not None:
            self._telemetry.flush()  # the batched logs and metrics go to the transport first
        self._flush_sessions()
        try:
            self.transport.flush(timeout, callback)
        except Exception:
            self.log_error("transport.flush raised")

    def close(
        self, timeout: float | None = None, callback: Callable[[int, float], None] | None = None
    ) -> None:
        """Flush, then stop the transport; the client sends nothing afterwards."""
        if self.transport is None:
            return
        hooks = sys.modules.get("sentry_lite.profiler._hooks")
        if hooks is not None:
            hooks.close(self)  # the continuous profiler's last chunk goes out with the flush
        if self._session_flusher is not None:
            self._session_flusher.kill()
        self.flush(timeout, callback)
        if self._telemetry is not None:
            self._telemetry.kill()
        transport, self.transport = self.transport, None
        try:
            transport.kill()
        except Exception:
            self.log_error("transport.kill raised")

    async def flush_async(
        self, timeout: float | None = None, callback: Callable[[int, float], None] | None = None
    ) -> None:
        """``flush()`` for async code: waits in a worker thread, not on the event loop."""
        import asyncio

        await asyncio.get_running_loop().run_in_executor(None, self.flush, timeout, callback)

    async def close_async(
        self, timeout: float | None = None, callback: Callable[[int, float], None] | None = None
    ) -> None:
        """``close()`` for async code."""
        import asyncio

        await asyncio.get_running_loop().run_in_executor(None, self.close, timeout, callback)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Client dsn={self.options.dsn!r}>"


def __getattr__(name: str) -> Any:
    """Names the official module holds for its own use (``serialize``...): see _reexport."""
    from sentry_lite._reexport import lookup

    return lookup(__name__, name, globals())


__all__ = ["BaseClient", "Client", "NonRecordingClient"]
