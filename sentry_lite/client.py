"""The client: turns what the application reports into envelopes for the transport.

``Client.capture_event`` is a pipeline of small named steps; each may drop the event,
and every drop is counted by reason for client reports:

    filter (ignore_errors) -> sample (sample_rate, error_sampler) -> stacktrace
    -> scopes (merge, processors) -> defaults -> scrub -> serialize
    -> before_send -> envelope -> transport
"""

from __future__ import annotations

import sys
from os import environ
from time import time

from sentry_lite import _log
from sentry_lite._event.breadcrumbs import prepare_breadcrumb
from sentry_lite._event.defaults import apply_defaults
from sentry_lite._event.exceptions import event_from_exception, exc_info_from_error
from sentry_lite._event.scrubber import scrubber_for
from sentry_lite._event.serializer import serialize_event
from sentry_lite._ids import new_event_id
from sentry_lite._merge import apply_scopes, check_in_scopes
from sentry_lite._options import Options, build_options, options_from, warn_inert_options
from sentry_lite.envelope import Envelope, Item, PayloadRef
from sentry_lite.transport import make_transport

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from random import Random
    from typing import Any

    from sentry_lite._dsn import Dsn
    from sentry_lite.attachments import Attachment
    from sentry_lite.integrations import Integration
    from sentry_lite.scope import Scope
    from sentry_lite.session import Session
    from sentry_lite.sessions import SessionFlusher
    from sentry_lite.transport import Transport
    from sentry_lite.types import Breadcrumb, Event, Hint

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

# Event types other than errors: their data category (rate limits, client reports) and item.
_CATEGORIES = {"transaction": "transaction", "check_in": "monitor"}
_ITEM_TYPES = {"transaction": "transaction", "monitor": "check_in"}


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
        self._telemetry: Any = None  # logs and metrics (sentry_lite._telemetry), made on first use
        if options.spotlight or "SENTRY_SPOTLIGHT" in environ:
            from sentry_lite._spotlight import setup_spotlight

            setup_spotlight(self)
        # filtering happens while serializing (breadcrumbs, events) and building frames
        self._scrubber: Any = scrubber_for(options)
        self._random: Random | None = None  # made when a sample rate below 1 is used
        self._session_flusher: SessionFlusher | None = None  # made with the first session
        self.integrations: dict[str, Integration] = {}
        for name in warn_inert_options(options):  # a warning once per process, per option
            self.log_debug(f"option {name} is accepted but has no effect in sentry_lite")
        from sentry_lite.integrations import setup_from_options  # the layer above the client

        self.integrations = setup_from_options(options, self.log_debug)
        self._integration_names = sorted(self.integrations)
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

    def _telemetry_or_none(self) -> Any:
        if self._telemetry is None and self.transport is not None:
            from sentry_lite._telemetry import telemetry_for

            return telemetry_for(self, self._send_batch)
        return self._telemetry

    def _send_batch(self, envelope: Envelope) -> None:
        transport = self.transport
        if transport is not None:
            transport.capture_envelope(envelope)

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
        category = _CATEGORIES.get(event.get("type"), "error")  # type: ignore[arg-type]
        try:
            layers = scopes if scopes is not None else ([scope] if scope is not None else [])
            return self._pipeline(event, hint if hint is not None else {}, layers, category)
        except Exception:
            self.log_error("internal error while capturing an event")
            self._lost("internal_sdk_error", category)
            return None

    def _pipeline(self, event: Event, hint: Hint, scopes: list[Scope], category: str) -> str | None:
        options = self.options
        if "event_id" not in event:
            event["event_id"] = new_event_id()
        if category == "error":
            if self._ignored(hint):
                self._lost("event_processor", category)
                return None
            if not self._sampled(event, hint):
                self._count_in_session(event, scopes)  # an error all the same
                self._lost("sample_rate", category)
                return None
        if "timestamp" not in event:
            event["timestamp"] = time()
        if options.attach_stacktrace and category == "error":
            self._attach_stacktrace(event)
        own_crumbs = event.get("breadcrumbs")
        if isinstance(own_crumbs, dict):
            for crumb in own_crumbs.get("values") or ():
                self._prepare_breadcrumb(crumb)
        if category == "monitor":  # check-ins carry the trace context, no other scope data
            prepared: Event | None = check_in_scopes(event, scopes)
        else:
            prepared = apply_scopes(event, hint, scopes, options, self, self._prepare_breadcrumb)
        if prepared is None:
            self._lost("event_processor", category)
            self._lost_spans("event_processor", event)
            self._lost_profile("event_processor", hint)
            return None
        event = prepared
        apply_defaults(event, options, self._integration_names)
        if category == "monitor":
            event["contexts"].pop("runtime", None)
        event = serialize_event(event, options, self._scrubber)
        final = self._before_send(event, hint, category)
        if final is None:
            self._lost("before_send", category)
            self._lost_spans("before_send", event)
            self._lost_profile("before_send", hint)
            return None
        if category == "error":
            self._count_in_session(final, scopes)
        if "dynamic_sampling_context" not in hint:
            hint["dynamic_sampling_context"] = self._dynamic_sampling_context(final, scopes)
        self._send(final, hint, category)
        event_id: str | None = final.get("event_id")
        return event_id

    def _count_in_session(self, event: Event, scopes: list[Scope]) -> None:
        for scope in scopes:
            if scope._session is not None:
                from sentry_lite._health import session_of, update_from_event

                session = session_of(scopes)
                if session is not None:
                    update_from_event(session, event)
                return

    def _lost_spans(self, reason: str, event: Event) -> None:
        # A dropped transaction loses its spans too (itself counted as one).
        if event.get("type") == "transaction":
            self._lost(reason, "span", len(event.get("spans") or ()) + 1)

    def _lost_profile(self, reason: str, hint: Hint) -> None:
        if hint.get("profile") is not None:  # a dropped transaction takes its profile along
            self._lost(reason, "profile")

    def _add_profile(self, envelope: Envelope, profile: Any, event: Event) -> None:
        try:
            payload = profile.to_json(event, self.options)
        except Exception:
            self.log_error("could not build a profile")
            self._lost("internal_sdk_error", "profile")
            return
        envelope.add_item(Item(PayloadRef(json=payload), type="profile"))

    def _dynamic_sampling_context(self, event: Event, scopes: list[Scope]) -> Any:
        """The envelope ``trace`` header: the DSC of the trace the event belongs to."""
        try:
            from sentry_lite.tracing._ops import dsc_for_event

            return dsc_for_event(event, scopes, self)
        except Exception:
            self.log_error("could not build the dynamic sampling context")
            return None

    def _ignored(self, hint: Hint) -> bool:
        exc_info = hint.get("exc_info")
        ignore = self.options.ignore_errors
        if not ignore or not exc_info or exc_info[0] is None:
            return False
        cls: type[BaseException] = exc_info[0]
        names = {f"{k.__module__}.{k.__qualname__}" for k in cls.__mro__} | {
            k.__name__ for k in cls.__mro__
        }
        for entry in ignore:
            if isinstance(entry, str):
                if entry in names:
                    return True
            elif isinstance(entry, type) and issubclass(cls, entry):
                return True
        return False

    def _sampled(self, event: Event, hint: Hint) -> bool:
        sampler = self.options.error_sampler
        rate: Any = self.options.sample_rate
        if sampler is not None:
            try:
                rate = sampler(event, hint)
            except Exception:
                self.log_error("error_sampler raised; the event is kept")
                return True
            if isinstance(rate, bool):
                return rate
            if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
                self.log_debug(f"error_sampler returned {rate!r}; the event is kept")
                return True
        if rate >= 1:
            return True
        if self._random is None:
            from random import Random

            self._random = Random()
        return bool(self._random.random() < rate)

    def _attach_stacktrace(self, event: Event) -> None:
        from sentry_lite._event.frames import attach_current_stacktrace

        attach_current_stacktrace(event, self.options)

    def _prepare_breadcrumb(self, crumb: Breadcrumb) -> None:
        prepare_breadcrumb(crumb, self.options, self._scrubber)

    def _before_send(self, event: Event, hint: Hint, category: str) -> Event | None:
        hook = (
            self.options.before_send_transaction
            if category == "transaction"
            else self.options.before_send
        )
        if hook is None:
            return event
        try:
            result: Event | None = hook(event, hint)
        except Exception:
            self.log_error("before_send raised; the event is dropped")
            return None
        if result is not None and not isinstance(result, dict):
            self.log_debug(f"before_send returned {type(result).__name__}; the event is dropped")
            return None
        return result

    def _send(self, event: Event, hint: Hint, category: str) -> None:
        headers: dict[str, Any] = {"event_id": event.get("event_id")}
        if self._parsed_dsn is not None:
            headers["dsn"] = str(self._parsed_dsn)
        trace = event.get("contexts", {}).get("trace")
        dsc = hint.get("dynamic_sampling_context")
        if dsc is None and isinstance(trace, dict) and trace.get("trace_id"):
            dsc = {"trace_id": trace["trace_id"]}
            if self._parsed_dsn is not None:
                dsc["public_key"] = self._parsed_dsn.public_key
        if dsc:
            headers["trace"] = dsc
        envelope = Envelope(headers=headers)
        item_type = _ITEM_TYPES.get(category, "event")
        envelope.add_item(Item(PayloadRef(json=event), type=item_type))
        if category == "transaction" and hint.get("profile") is not None:
            self._add_profile(envelope, hint["profile"], event)
        for attachment in hint.get("attachments") or ():
            self._add_attachment(envelope, attachment, category)
        assert self.transport is not None
        self.transport.capture_envelope(envelope)

    def _add_attachment(self, envelope: Envelope, attachment: Attachment, category: str) -> None:
        if category == "transaction" and not attachment.add_to_transactions:
            return
        try:
            data = attachment.read()
        except Exception:
            self.log_error(f"could not read attachment {attachment.filename!r}")
            self._lost("internal_sdk_error", "attachment")
            return
        envelope.add_item(
            Item(
                data,
                type="attachment",
                content_type=attachment.content_type or "application/octet-stream",
                filename=attachment.filename,
            )
        )

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
            from sentry_lite.sessions import SessionFlusher

            flusher = self._session_flusher = SessionFlusher(
                self._capture_envelope, record_lost_func=self._lost
            )
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
    """Names the official module holds for its own use (``serialize``...): see _reexports."""
    from sentry_lite._reexports import lookup

    return lookup(__name__, name, globals())


__all__ = ["BaseClient", "Client", "NonRecordingClient"]
