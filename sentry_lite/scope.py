"""Scopes: the data that events pick up, and the three places it lives.

- the **global** scope, one per process;
- the **isolation** scope, one per request / task / thread (a ``ContextVar``);
- the **current** scope, one per ``with new_scope()`` block (a ``ContextVar``).

Module-level setters write the isolation scope; captures go through the current scope.
An event merges global, isolation, current and then an explicit scope, later wins.
"""

from __future__ import annotations

from collections import deque

from sentry_lite._scope_compat import ScopeCompat
from sentry_lite._scope_events import ScopeEvents
from sentry_lite._scope_trace import ScopeTracing
from sentry_lite._scope_vars import (
    _current_var,
    _global,
    _global_processors,
    _isolation_var,
    _main,
    _scoped_clients,
)
from sentry_lite.consts import DEFAULT_MAX_BREADCRUMBS
from sentry_lite.tracing._propagation import PropagationContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
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
        ErrorProcessor,
        EventProcessor,
        LogLevelStr,
    )

    AnyClient: TypeAlias = Client | NonRecordingClient

_isolation_get = _isolation_var.get
_current_get = _current_var.get
global_event_processors = _global_processors  # the official SDK's name for the same list


class Scope(ScopeEvents, ScopeTracing, ScopeCompat):
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
        self._set_transaction(name, source)
        transaction = getattr(self._span, "containing_transaction", None)
        if transaction is not None:
            transaction.set_name(name, source)

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
        if getattr(span, "_names_events", False):
            # A transaction names the scope's events, as the official SDK's setter does
            # (also when set by hand, or on a scope shared through use_scope()).
            self._set_transaction(span.name or None, span.source)

    # -- the changes other layers make ---------------------------------------------
    # Tracing, the integrations and release health change a scope through these (and the
    # public setters), never by writing its fields: tests/test_scope_ownership.py checks it.

    def _set_transaction(self, name: str | None, source: str | None = None) -> None:
        """Name this scope's events (and their ``transaction_info.source``); the active
        transaction is left alone (a transaction calls this when it is renamed)."""
        if name is not None:
            self._transaction = name
        if source:
            self._transaction_info = {**self._transaction_info, "source": source}

    def _swap_session(self, session: Session | None) -> Session | None:
        """Make ``session`` this scope's release-health session; give back the one it had."""
        previous, self._session = self._session, session
        return previous

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
        scope = _first_scopes()[0]
        _isolation_var.set(scope)
    return scope


def get_current_scope() -> Scope:
    """The scope of the innermost ``new_scope()`` block."""
    scope = _current_var.get()
    if scope is None:
        scope = _first_scopes()[1]
        _current_var.set(scope)
    return scope


def _first_scopes() -> list[Scope]:
    """The scopes of a context that has none yet. In the main thread, the thread's one pair,
    shared by all its contexts: what an asyncio task (``asyncio.run()``) or a copied context
    sets reaches the code around it, as with the official SDK, which binds its scopes in the
    importing context. In another thread, a new pair for this context (the threading
    integration gives a thread forks of its parent's scopes instead)."""
    import threading

    if threading.current_thread() is threading.main_thread():
        if not _main:
            _main.extend((Scope(ty="isolation"), Scope(ty="current")))
        return _main
    return [Scope(ty="isolation"), Scope(ty="current")]


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
    del _main[:]
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
