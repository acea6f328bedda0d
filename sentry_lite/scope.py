"""Scopes: the data that events pick up, and the three places it lives.

- the **global** scope, one per process;
- the **isolation** scope, one per request / task / thread (a ``ContextVar``);
- the **current** scope, one per ``with new_scope()`` block (a ``ContextVar``).

Module-level setters write the isolation scope; captures go through the current scope.
An event merges global, isolation, current and then an explicit scope, later wins.
"""

from __future__ import annotations

from collections import deque
from contextvars import ContextVar
from time import time

from sentry_lite._scope_compat import ScopeCompat
from sentry_lite.consts import DEFAULT_MAX_BREADCRUMBS
from sentry_lite.tracing._propagation import PropagationContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from typing import Any, TypeAlias

    from sentry_lite._flags import FlagBuffer
    from sentry_lite._scope_extras import (
        get_external_propagation_context,
        has_external_propagation_context,
        register_external_propagation_context,
        remove_external_propagation_context,
    )
    from sentry_lite.attachments import Attachment
    from sentry_lite.client import Client, NonRecordingClient
    from sentry_lite.session import Session
    from sentry_lite.types import (
        Breadcrumb,
        BreadcrumbHint,
        ErrorProcessor,
        Event,
        EventProcessor,
        ExcInfo,
        Hint,
        LogLevelStr,
    )

    AnyClient: TypeAlias = Client | NonRecordingClient

_isolation_var: ContextVar[Scope | None] = ContextVar("sentry_lite_isolation", default=None)
_current_var: ContextVar[Scope | None] = ContextVar("sentry_lite_current", default=None)
_isolation_get = _isolation_var.get
_current_get = _current_var.get
_global: list[Scope] = []
# How many non-global scopes ever had a client bound; while none did, get_client() only
# looks at the global scope.
_scoped_clients = [0]  # zero or one element; a list so tests can reset it in place
_global_processors: list[EventProcessor] = []
global_event_processors = _global_processors  # the official SDK's name for the same list


class Scope(ScopeCompat):
    """A bag of event data: user, tags, extras, contexts, breadcrumbs, processors..."""

    __slots__ = (
        "__weakref__",
        "_attachments",
        "_breadcrumbs",
        "_client",
        "_compat",
        "_contexts",
        "_crumbs_shared",
        "_error_processors",
        "_event_processors",
        "_extras",
        "_fingerprint",
        "_flags",
        "_force_auto_session_tracking",
        "_last_event_id",
        "_level",
        "_propagation_context",
        "_session",
        "_span",
        "_tags",
        "_transaction",
        "_transaction_info",
        "_type",
        "_unprepared",
        "_user",
    )

    def __init__(self, ty: Any = None, client: AnyClient | None = None) -> None:
        self._type = getattr(ty, "value", ty)  # a ScopeType or its string value
        self._client: AnyClient | None = client
        if client is not None:
            _scoped_clients[0] += 1
        self._last_event_id: str | None = None
        self._propagation_context: PropagationContext | None = None
        self._span: Any = None
        self.clear()

    # -- lifecycle -----------------------------------------------------------------

    def clear(self) -> None:
        """Forget all data (the client and type stay)."""
        self._level: str | None = None
        self._fingerprint: list[str] | None = None
        self._transaction: str | None = None
        # Containers that change rarely are immutable (replaced on write) and shared by forks.
        self._transaction_info: dict[str, Any] = {}
        self._user: dict[str, Any] | None = None
        self._tags: dict[str, Any] = {}
        self._extras: dict[str, Any] = {}
        self._contexts: dict[str, dict[str, Any]] = {}
        self._breadcrumbs: deque[Breadcrumb] = deque(maxlen=_max_breadcrumbs(self._client))
        self._crumbs_shared = False  # True: a fork shares the deque; copy before appending
        self._unprepared = 0
        self._attachments: tuple[Attachment, ...] = ()
        self._event_processors: tuple[EventProcessor, ...] = ()
        self._error_processors: tuple[ErrorProcessor, ...] = ()
        self._span = None
        self._propagation_context = None
        self._compat: dict[str, Any] = {}
        self._flags: FlagBuffer | None = None
        self._session: Session | None = None
        self._force_auto_session_tracking: bool | None = None

    def fork(self) -> Scope:
        """A copy with its own containers: neither side sees the other's later changes."""
        new = Scope.__new__(Scope)
        new._type = None
        if self._client is not None:
            _scoped_clients[0] += 1
        new._client = self._client
        new._last_event_id = self._last_event_id
        new._level = self._level
        new._fingerprint = self._fingerprint
        new._transaction = self._transaction
        new._transaction_info = self._transaction_info
        new._user = self._user
        new._tags = self._tags.copy()
        new._extras = self._extras.copy()
        new._contexts = self._contexts.copy()
        new._breadcrumbs = self._breadcrumbs
        new._crumbs_shared = self._crumbs_shared = True
        new._unprepared = self._unprepared
        new._attachments = self._attachments
        new._event_processors = self._event_processors
        new._error_processors = self._error_processors
        new._span = self._span
        new._propagation_context = self._propagation_context
        new._compat = self._compat
        new._flags = self._flags.copy() if self._flags is not None else None
        new._session = self._session
        new._force_auto_session_tracking = self._force_auto_session_tracking
        return new

    def __copy__(self) -> Scope:
        return self.fork()

    def __repr__(self) -> str:
        return f"<Scope {self._type or 'forked'} at {id(self):#x}>"

    # -- client --------------------------------------------------------------------

    def set_client(self, client: AnyClient | None = None) -> None:
        """Bind ``client`` to this scope (``None`` unbinds)."""
        if client is not None and self._type != "global":
            _scoped_clients[0] += 1
        self._client = client

    @property
    def client(self) -> AnyClient:
        return self._client if self._client is not None else get_client()

    @staticmethod
    def get_client() -> AnyClient:
        return get_client()

    @staticmethod
    def get_global_scope() -> Scope:
        return get_global_scope()

    @staticmethod
    def get_isolation_scope() -> Scope:
        return get_isolation_scope()

    @staticmethod
    def get_current_scope() -> Scope:
        return get_current_scope()

    @staticmethod
    def last_event_id() -> str | None:
        return get_isolation_scope()._last_event_id

    # -- data ----------------------------------------------------------------------

    def set_user(self, value: dict[str, Any] | None) -> None:
        self._user = value
        session = get_isolation_scope()._session
        if session is not None:
            session.update(user=value)

    @property
    def user(self) -> dict[str, Any] | None:
        return self._user

    @user.setter
    def user(self, value: dict[str, Any] | None) -> None:
        self._user = value

    def set_tag(self, key: str, value: Any) -> None:
        self._tags[key] = value

    def set_tags(self, tags: Mapping[str, object]) -> None:
        self._tags.update(tags)

    def remove_tag(self, key: str) -> None:
        self._tags.pop(key, None)

    def set_extra(self, key: str, value: Any) -> None:
        self._extras[key] = value

    def remove_extra(self, key: str) -> None:
        self._extras.pop(key, None)

    def set_context(self, key: str, value: dict[str, Any]) -> None:
        self._contexts[key] = value

    def remove_context(self, key: str) -> None:
        self._contexts.pop(key, None)

    def set_level(self, value: LogLevelStr | None) -> None:
        self._level = value

    @property
    def level(self) -> str | None:
        return self._level

    @level.setter
    def level(self, value: LogLevelStr | None) -> None:
        self._level = value

    @property
    def fingerprint(self) -> list[str] | None:
        return self._fingerprint

    @fingerprint.setter
    def fingerprint(self, value: list[str] | None) -> None:
        self._fingerprint = list(value) if value is not None else None

    def set_transaction_name(self, name: str, source: str | None = None) -> None:
        """Name the transaction events of this scope belong to (and the active one)."""
        self._transaction = name
        if source:
            self._transaction_info = {**self._transaction_info, "source": source}
        transaction = getattr(self._span, "containing_transaction", None)
        if transaction is not None:
            transaction.name = name
            if source:
                transaction.source = source

    @property
    def transaction(self) -> Any:
        """The active transaction, if a span is active."""
        return getattr(self._span, "containing_transaction", None)

    @transaction.setter
    def transaction(self, value: str) -> None:
        self.set_transaction_name(value)

    @property
    def span(self) -> Any:
        """The active span (filled in by tracing)."""
        return self._span

    @span.setter
    def span(self, span: Any) -> None:
        self._span = span

    @property
    def flags(self) -> FlagBuffer:
        """The feature-flag evaluations recorded on this scope (see ``feature_flags``)."""
        if self._flags is None:
            from sentry_lite._flags import DEFAULT_FLAG_CAPACITY, FlagBuffer

            client = self._client or get_client()
            self._flags = FlagBuffer(client.options.max_flags or DEFAULT_FLAG_CAPACITY)
        return self._flags

    # -- trace ---------------------------------------------------------------------

    @property
    def propagation_context(self) -> PropagationContext:
        ctx = self._propagation_context
        if ctx is None:
            ctx = self._propagation_context = PropagationContext()
        return ctx

    def set_new_propagation_context(self) -> None:
        self._propagation_context = PropagationContext()

    def generate_propagation_context(self, incoming_data: dict[str, str] | None = None) -> None:
        if self._propagation_context is None or incoming_data is not None:
            self._propagation_context = PropagationContext()

    def get_active_propagation_context(self) -> PropagationContext:
        """This scope's context, else the isolation scope's, else the global one."""
        for scope in (self, get_isolation_scope(), get_global_scope()):
            if scope._propagation_context is not None:
                return scope._propagation_context
        return get_isolation_scope().propagation_context

    def get_trace_context(self) -> dict[str, Any]:
        span = self._span
        if span is not None and hasattr(span, "get_trace_context"):
            context: dict[str, Any] = span.get_trace_context()
            return context
        return self.get_active_propagation_context().trace_context()

    # -- release health (sentry_lite.sessions) --------------------------------------

    def start_session(self, *args: Any, **kwargs: Any) -> None:
        """End this scope's session if any, and start a new one (``session_mode=``)."""
        from sentry_lite._health import start_session

        start_session(self, kwargs.get("session_mode", "application"))

    def end_session(self, *args: Any, **kwargs: Any) -> None:
        """Close this scope's session, if any, and hand it to the client to send."""
        from sentry_lite._health import end_session

        end_session(self)

    def stop_auto_session_tracking(self, *args: Any, **kwargs: Any) -> None:
        """End the session and track none on this scope until resumed."""
        self.end_session()
        self._force_auto_session_tracking = False

    def resume_auto_session_tracking(self) -> None:
        """Track sessions again as the ``auto_session_tracking`` option says."""
        self._force_auto_session_tracking = None

    # -- tracing (implemented in sentry_lite.tracing, loaded on first use) --------------

    def start_transaction(
        self,
        transaction: Any = None,
        instrumenter: str = "sentry",
        custom_sampling_context: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A sampled (or not) transaction; ``with`` it to make it the active span. A span of
        another instrumenter than the client's (``instrumenter`` option) is a ``NoOpSpan``."""
        if instrumenter != self.get_client().options.instrumenter:
            from sentry_lite.tracing._ops import noop_span

            return noop_span()
        from sentry_lite.tracing._ops import start_transaction

        return start_transaction(self, transaction, custom_sampling_context, kwargs)

    def start_span(self, instrumenter: str = "sentry", **kwargs: Any) -> Any:
        """A child of the active span (or a span outside any transaction)."""
        if instrumenter != self.get_client().options.instrumenter:
            from sentry_lite.tracing._ops import noop_span

            return noop_span()
        span = self._span
        if span is not None:
            return span.start_child(**kwargs)
        from sentry_lite.tracing._ops import start_orphan_span

        return start_orphan_span(self, kwargs)

    def continue_trace(
        self,
        environ_or_headers: Any,
        op: str | None = None,
        name: str | None = None,
        source: str | None = None,
        origin: str = "manual",
    ) -> Any:
        """Join the trace of incoming headers (or a WSGI environ); a transaction to start."""
        from sentry_lite.tracing._ops import continue_trace

        return continue_trace(self, environ_or_headers, op, name, source, origin)

    def get_traceparent(self, *args: Any, **kwargs: Any) -> str | None:
        """The ``sentry-trace`` header value for an outgoing request."""
        from sentry_lite.tracing._ops import traceparent

        return traceparent(self)

    def get_baggage(self, *args: Any, **kwargs: Any) -> Any:
        """The ``Baggage`` (Sentry's members) for an outgoing request; ``.serialize()`` gives
        the header value."""
        from sentry_lite.tracing._ops import scope_baggage

        return scope_baggage(self)

    def get_dynamic_sampling_context(self) -> dict[str, str] | None:
        from sentry_lite.tracing._ops import dynamic_sampling_context

        return dynamic_sampling_context(self)

    def iter_trace_propagation_headers(
        self, *args: Any, **kwargs: Any
    ) -> Iterator[tuple[str, str]]:
        """``(name, value)`` of the ``sentry-trace`` and ``baggage`` headers to send
        (``span=`` picks the span they describe)."""
        from sentry_lite.tracing._ops import iter_headers

        return iter_headers(self, kwargs.get("span"))

    # -- breadcrumbs ---------------------------------------------------------------

    def add_breadcrumb(
        self, crumb: Breadcrumb | None = None, hint: BreadcrumbHint | None = None, **kwargs: Any
    ) -> None:
        """Record a breadcrumb; ``before_breadcrumb`` may change or drop it."""
        if crumb:
            self._add_crumb({**crumb, **kwargs} if kwargs else dict(crumb), hint)
        elif kwargs:
            self._add_crumb(kwargs, hint)

    def _add_crumb(self, new: dict[str, Any], hint: BreadcrumbHint | None) -> None:
        # Kept cheap: a timestamp and an append. Making the crumb JSON-safe, typed and
        # scrubbed happens once, at the first event that carries it. ``new`` is ours.
        # (api.add_breadcrumb does the common case of this inline: keep the two in step.)
        client = self._client
        if client is None:
            # inline get_client()'s common case: one client, bound to the global scope
            client = _global[0]._client if _global and not _scoped_clients[0] else None
            if client is None:
                client = get_client()
        if not client.recording:
            return
        if "timestamp" not in new:
            new["timestamp"] = time()
        options = client.options
        if options.before_breadcrumb is not None:
            new.setdefault("type", "default")
            result = _before_breadcrumb(client, new, hint)
            if result is None:
                return
            new = result
        crumbs = self._breadcrumbs
        if self._crumbs_shared or crumbs.maxlen != options.max_breadcrumbs:
            crumbs = self._breadcrumbs = deque(crumbs, maxlen=options.max_breadcrumbs)
            self._crumbs_shared = False
        crumbs.append(new)  # type: ignore[arg-type]
        self._unprepared += 1

    def clear_breadcrumbs(self) -> None:
        self._breadcrumbs = deque(maxlen=self._breadcrumbs.maxlen)
        self._crumbs_shared = False
        self._unprepared = 0

    def prepared_breadcrumbs(self, prepare: Callable[[Breadcrumb], object]) -> deque[Breadcrumb]:
        """The breadcrumbs, each made final (JSON-safe, scrubbed) exactly once."""
        crumbs = self._breadcrumbs
        pending = min(self._unprepared, len(crumbs))
        if pending:
            for index in range(len(crumbs) - pending, len(crumbs)):
                prepare(crumbs[index])
            self._unprepared = 0
        return crumbs

    # -- attachments and processors -----------------------------------------------

    def add_attachment(
        self,
        bytes: bytes | Callable[[], bytes] | None = None,
        filename: str | None = None,
        path: str | None = None,
        content_type: str | None = None,
        add_to_transactions: bool = False,
    ) -> None:
        from sentry_lite.attachments import Attachment

        attachment = Attachment(bytes, filename, path, content_type, add_to_transactions)
        self._attachments = (*self._attachments, attachment)

    def clear_attachments(self) -> None:
        self._attachments = ()

    def add_event_processor(self, func: EventProcessor) -> None:
        """Run ``func(event, hint)`` on every event this scope applies to."""
        self._event_processors = (*self._event_processors, func)

    def add_error_processor(
        self, func: ErrorProcessor, cls: type[BaseException] | None = None
    ) -> None:
        """Run ``func(event, exc_info)`` on error events (of class ``cls`` if given)."""
        if cls is not None:
            inner = func

            def func(event: Event, exc_info: ExcInfo) -> Event | None:
                if exc_info[0] is not None and issubclass(exc_info[0], cls):
                    return inner(event, exc_info)
                return event

        self._error_processors = (*self._error_processors, func)

    # -- merging -------------------------------------------------------------------

    def update_from_scope(self, scope: Scope) -> None:
        """Take every value ``scope`` has set (its values win)."""
        if scope._level is not None:
            self._level = scope._level
        if scope._fingerprint is not None:
            self._fingerprint = scope._fingerprint
        if scope._transaction is not None:
            self._transaction = scope._transaction
        if scope._transaction_info:
            self._transaction_info = {**self._transaction_info, **scope._transaction_info}
        if scope._user is not None:
            self._user = scope._user
        self._tags.update(scope._tags)
        self._extras.update(scope._extras)
        self._contexts.update(scope._contexts)
        if scope._breadcrumbs:
            self._breadcrumbs = deque(self._breadcrumbs, maxlen=self._breadcrumbs.maxlen)
            self._crumbs_shared = False
            self._breadcrumbs.extend(scope._breadcrumbs)
            self._unprepared += min(scope._unprepared, len(scope._breadcrumbs))
        self._attachments += scope._attachments
        self._event_processors += scope._event_processors
        self._error_processors += scope._error_processors
        if scope._span is not None:
            self._span = scope._span
        if scope._propagation_context is not None:
            self._propagation_context = scope._propagation_context
        if scope._compat:
            self._compat = {**self._compat, **scope._compat}
        if scope._session is not None:
            self._session = scope._session

    def update_from_kwargs(
        self,
        user: Any = None,
        level: LogLevelStr | None = None,
        extras: dict[str, Any] | None = None,
        contexts: dict[str, dict[str, Any]] | None = None,
        tags: Mapping[str, object] | None = None,
        fingerprint: list[str] | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> None:
        """Set values from the keyword arguments ``capture_*`` accepts."""
        if level is not None:
            self._level = level
        if user is not None:
            self._user = user
        if extras is not None:
            self._extras.update(extras)
        if contexts is not None:
            self._contexts.update(contexts)
        if tags is not None:
            self._tags.update(tags)
        if fingerprint is not None:
            self._fingerprint = list(fingerprint)
        if attributes:
            self.set_attributes(attributes)

    def apply_to_event(
        self, event: Event, hint: Hint, options: Any = None
    ) -> Event | None:
        """Apply this scope alone (with the global processors) to ``event``."""
        from sentry_lite._merge import apply_scopes

        return apply_scopes(event, hint, [self], options)

    # -- capture -------------------------------------------------------------------

    def _layers(self, scope: Any, scope_kwargs: dict[str, Any]) -> list[Scope]:
        layers = [get_global_scope(), get_isolation_scope()]
        if self is not layers[0] and self is not layers[1]:
            layers.append(self)
        if scope is not None or scope_kwargs:
            if scope is not None and not isinstance(scope, Scope):
                if not callable(scope):
                    raise TypeError("scope must be a Scope or a callable taking a Scope")
                callback, scope = scope, Scope()
                callback(scope)
            if scope_kwargs:
                scope = scope.fork() if scope is not None else Scope()
                scope.update_from_kwargs(**scope_kwargs)
            layers.append(scope)
        return layers

    def capture_event(
        self, event: Event, hint: Hint | None = None, scope: Any = None, **scope_kwargs: Any
    ) -> str | None:
        """Send ``event`` with this scope's data (and an explicit ``scope`` on top)."""
        client = self.client
        if not client.is_active():
            return None
        try:
            layers = self._layers(scope, scope_kwargs)
        except Exception as exc:
            client.log_error(f"capture_event: {exc}")
            return None
        event_id = client.capture_event(event, hint, scopes=layers)
        if event_id is not None and event.get("type") != "transaction":
            get_isolation_scope()._last_event_id = event_id
        return event_id

    def capture_message(
        self,
        message: str,
        level: LogLevelStr | None = None,
        scope: Any = None,
        **scope_kwargs: Any,
    ) -> str | None:
        """Send a message event (level ``info`` unless given)."""
        client = self.client
        if not client.is_active():
            return None
        event: Event = {"message": message, "level": level or "info"}
        return self.capture_event(event, None, scope=scope, **scope_kwargs)

    def capture_exception(
        self,
        error: BaseException | ExcInfo | None = None,
        scope: Any = None,
        **scope_kwargs: Any,
    ) -> str | None:
        """Send an error event for ``error``, or for the exception being handled."""
        client = self.client
        if not client.is_active():
            return None
        try:
            made = client.event_from_error(error)
        except Exception:
            client.log_error("could not build an event from the exception")
            return None
        if made is None:
            return None
        return self.capture_event(made[0], made[1], scope=scope, **scope_kwargs)


# -- helpers of add_breadcrumb ----------------------------------------------------


def _before_breadcrumb(
    client: AnyClient, crumb: dict[str, Any], hint: BreadcrumbHint | None
) -> dict[str, Any] | None:
    try:
        result = client.options.before_breadcrumb(crumb, hint or {})
    except Exception:
        client.log_error("before_breadcrumb raised; the breadcrumb is kept as it was")
        return crumb
    if result is None:
        client.log_debug("before_breadcrumb dropped a breadcrumb")
        return None
    return dict(result)


# -- the three scopes -------------------------------------------------------------


def get_global_scope() -> Scope:
    """The process-wide scope."""
    if _global:
        return _global[0]
    scope = Scope(ty="global")
    _global.append(scope)
    return _global[0]


def get_isolation_scope() -> Scope:
    """The scope of this request, task or thread."""
    scope = _isolation_var.get()
    if scope is None:
        scope = Scope(ty="isolation")
        _isolation_var.set(scope)
    return scope


def get_current_scope() -> Scope:
    """The scope of the innermost ``new_scope()`` block."""
    scope = _current_var.get()
    if scope is None:
        scope = Scope(ty="current")
        _current_var.set(scope)
    return scope


def get_client() -> AnyClient:
    """The client bound to the current, isolation or global scope, in that order."""
    if not _scoped_clients[0]:  # the common case: one client, bound to the global scope
        if _global and _global[0]._client is not None:
            return _global[0]._client
        return _no_client()
    scope = _current_get()
    if scope is not None and scope._client is not None:
        return scope._client
    scope = _isolation_get()
    if scope is not None and scope._client is not None:
        return scope._client
    if _global and _global[0]._client is not None:
        return _global[0]._client
    return _no_client()


def _no_client() -> NonRecordingClient:
    from sentry_lite.client import NON_RECORDING_CLIENT

    return NON_RECORDING_CLIENT


def _max_breadcrumbs(client: AnyClient | None) -> int:
    # A scope made before init() keeps the default; add_breadcrumb adapts the ring later.
    if client is None:
        return DEFAULT_MAX_BREADCRUMBS
    maximum: int = client.options.max_breadcrumbs
    return maximum


def add_global_event_processor(processor: EventProcessor) -> None:
    """Run ``processor(event, hint)`` on every event of the process, before scope processors."""
    _global_processors.append(processor)


def should_send_default_pii() -> bool:
    """Whether the active client's ``send_default_pii`` is on."""
    return bool(get_client().should_send_default_pii())


def remove_global_event_processor(func: EventProcessor) -> None:
    try:
        _global_processors.remove(func)
    except ValueError:
        pass


def _reset_all_scopes() -> None:
    """Forget every scope of this process and context (for tests)."""
    del _global[:]
    _scoped_clients[0] = 0
    _isolation_var.set(None)
    _current_var.set(None)


def __getattr__(name: str) -> Any:
    # The context managers live in sentry_lite._blocks; they stay importable from here,
    # where users of the official SDK look for them.
    if name in _BLOCKS:
        from sentry_lite import _blocks

        return getattr(_blocks, name)
    from sentry_lite._scope_extras import reexported

    found = reexported(name)  # ScopeType, the flags/external-context names, re-exports
    if found is not None:
        return found
    if name == "Attachment":
        from sentry_lite.attachments import Attachment

        return Attachment
    raise AttributeError(f"module 'sentry_lite.scope' has no attribute {name!r}")


_BLOCKS = frozenset(
    (
        "configure_scope",
        "isolation_scope",
        "new_scope",
        "push_scope",
        "use_isolation_scope",
        "use_scope",
    )
)

__all__ = [
    "Scope",
    "add_global_event_processor",
    "get_client",
    "get_current_scope",
    "get_external_propagation_context",
    "get_global_scope",
    "get_isolation_scope",
    "global_event_processors",
    "has_external_propagation_context",
    "register_external_propagation_context",
    "remove_external_propagation_context",
    "remove_global_event_processor",
    "should_send_default_pii",
]
