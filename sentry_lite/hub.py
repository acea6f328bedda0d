"""``Hub``: the 1.x API of the official SDK, deprecated there since 2.0, kept for old code.

A thin adapter over the scopes, mapped as the official 2.x SDK maps it:

- ``Hub(client)`` binds ``client`` to the global scope; the hub stands for the isolation and
  current scopes of the context it was made in;
- ``Hub(hub)`` forks the isolation and current scopes (a hub "clone" for another thread);
- ``with hub:`` (and ``hub.run(fn)``) installs the hub's scopes for the block, restores after;
- setters and breadcrumbs go to the isolation scope, captures through the current scope.

``Hub(...)``, ``Hub.current`` and ``Hub.main`` warn with :class:`SentryHubDeprecationWarning`
(a ``DeprecationWarning``), as the official SDK does.
"""

from __future__ import annotations

import warnings
from contextvars import ContextVar

from sentry_lite._blocks import new_scope
from sentry_lite._scope_vars import _current_var, _isolation_var
from sentry_lite.scope import (
    Scope,
    get_client,
    get_current_scope,
    get_global_scope,
    get_isolation_scope,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, TypeVar

    from sentry_lite.types import Breadcrumb, BreadcrumbHint, Event, ExcInfo, Hint

    T = TypeVar("T")


class SentryHubDeprecationWarning(DeprecationWarning):
    """Warned when a ``Hub`` is made or looked up: the scopes API replaces it."""

    _MESSAGE = (
        "`sentry_sdk.Hub` is deprecated; use the scopes API instead "
        "(sentry_sdk.get_current_scope(), get_isolation_scope(), new_scope(), "
        "isolation_scope()): see docs/migration.md"
    )

    def __init__(self, *_: object) -> None:
        super().__init__(self._MESSAGE)


class _Quiet:
    """Suppress the Hub's deprecation warning for a block (the SDK's own hubs)."""

    def __enter__(self) -> None:
        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.filterwarnings("ignore", category=SentryHubDeprecationWarning)

    def __exit__(self, *args: Any) -> None:
        self._catch.__exit__(*args)


_local: ContextVar[Hub | None] = ContextVar("sentry_current_hub", default=None)
# What each ``with hub:`` of this context replaced, innermost last. Kept per context, so one
# hub entered by several threads or tasks at once restores each one's own scopes.
_entered: ContextVar[tuple[tuple[Any, Any, Any], ...]] = ContextVar(
    "sentry_lite_hub_entered", default=()
)


class HubMeta(type):
    @property
    def current(cls) -> Hub:
        """The hub of this context (one standing for its scopes is made on first use)."""
        warnings.warn(SentryHubDeprecationWarning(), stacklevel=2)
        hub = _local.get()
        if hub is None:
            with _Quiet():
                hub = Hub(GLOBAL_HUB)
            _local.set(hub)
        return hub

    @property
    def main(cls) -> Hub:
        """The hub made when this module was imported."""
        warnings.warn(SentryHubDeprecationWarning(), stacklevel=2)
        return GLOBAL_HUB


class Hub(metaclass=HubMeta):
    """Deprecated: a handle on the isolation and current scopes (see the module doc)."""

    _stack: list[tuple[Any, Scope]] = None  # type: ignore[assignment]
    _scope: Scope | None = None

    if TYPE_CHECKING:
        current: Hub
        main: Hub

    def __init__(self, client_or_hub: Any = None, scope: Any = None) -> None:
        warnings.warn(SentryHubDeprecationWarning(), stacklevel=2)
        current_scope = None
        if isinstance(client_or_hub, Hub):
            client = get_client()
            if scope is None:  # a clone: forks, so the new hub's changes stay its own
                scope = get_isolation_scope().fork()
                current_scope = get_current_scope().fork()
        else:
            client = client_or_hub
            # The official SDK binds even None (unbinding the client); a hub made without a
            # client leaves the bound client alone here, so no event is lost.
            if client is not None:
                get_global_scope().set_client(client)
        if scope is None:
            scope = get_isolation_scope()
            current_scope = get_current_scope()
        if current_scope is None:
            current_scope = get_current_scope()
        self._stack = [(client, scope)]
        self._last_event_id: str | None = None
        self._current_scope: Scope = current_scope
        self._scope = scope

    def __enter__(self) -> Hub:
        hub_token = _local.set(self)
        current_token = _current_var.set(self._current_scope)
        isolation_token = _isolation_var.set(self._scope)
        _entered.set((*_entered.get(), (hub_token, current_token, isolation_token)))
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, tb: Any) -> None:
        stack = _entered.get()
        if not stack:
            return
        _entered.set(stack[:-1])
        hub_token, current_token, isolation_token = stack[-1]
        for var, token in (
            (_local, hub_token),
            (_current_var, current_token),
            (_isolation_var, isolation_token),
        ):
            try:
                var.reset(token)
            except (ValueError, RuntimeError):  # left in another context than entered
                old = token.old_value
                var.set(None if old is token.MISSING else old)

    def run(self, callback: Callable[[], T]) -> T:
        """Run ``callback`` with this hub's scopes installed."""
        with self:
            return callback()

    def get_integration(self, name_or_class: Any) -> Any:
        return get_client().get_integration(name_or_class)

    @property
    def client(self) -> Any:
        """The active client, or ``None`` before ``init()``."""
        client = get_client()
        return client if client.is_active() else None

    @property
    def scope(self) -> Scope:
        """The isolation scope (where the 1.x API's ``configure_scope`` changes went)."""
        return get_isolation_scope()

    def last_event_id(self) -> str | None:
        """The id of the last event captured through this hub (deprecated upstream too)."""
        return self._last_event_id

    def bind_client(self, new: Any) -> None:
        """Bind ``new`` to the global scope (``None`` unbinds)."""
        get_global_scope().set_client(new)

    def _remember(self, event_id: str | None) -> str | None:
        if event_id is not None:
            self._last_event_id = event_id
        return event_id

    def capture_event(
        self,
        event: Event,
        hint: Hint | None = None,
        scope: Scope | None = None,
        **scope_kwargs: Any,
    ) -> str | None:
        return self._remember(get_current_scope().capture_event(event, hint, scope, **scope_kwargs))

    def capture_message(
        self, message: str, level: Any = None, scope: Scope | None = None, **scope_kwargs: Any
    ) -> str | None:
        event_id = get_current_scope().capture_message(message, level, scope, **scope_kwargs)
        return self._remember(event_id)

    def capture_exception(
        self,
        error: BaseException | ExcInfo | None = None,
        scope: Scope | None = None,
        **scope_kwargs: Any,
    ) -> str | None:
        return self._remember(get_current_scope().capture_exception(error, scope, **scope_kwargs))

    def add_breadcrumb(
        self, crumb: Breadcrumb | None = None, hint: BreadcrumbHint | None = None, **kwargs: Any
    ) -> None:
        get_isolation_scope().add_breadcrumb(crumb, hint, **kwargs)

    def start_span(self, instrumenter: str = "sentry", **kwargs: Any) -> Any:
        return get_current_scope().start_span(instrumenter=instrumenter, **kwargs)

    def start_transaction(
        self,
        transaction: Any = None,
        instrumenter: str = "sentry",
        custom_sampling_context: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        return get_current_scope().start_transaction(
            transaction, instrumenter, custom_sampling_context, **kwargs
        )

    def continue_trace(
        self,
        environ_or_headers: dict[str, Any],
        op: str | None = None,
        name: str | None = None,
        source: str | None = None,
    ) -> Any:
        return get_isolation_scope().continue_trace(environ_or_headers, op, name, source)

    def push_scope(
        self, callback: Callable[[Scope], None] | None = None, continue_trace: bool = True
    ) -> Any:
        """``with hub.push_scope() as scope:``: a fork of the current scope for the block."""
        if callback is None:
            return new_scope()
        with new_scope() as scope:
            callback(scope)
        return None

    def pop_scope_unsafe(self) -> tuple[Any, Scope]:
        """The official SDK's 1.x stack pop; the stack has one layer, which stays."""
        popped = self._stack.pop()
        assert self._stack, "stack must have at least one layer"
        return popped

    def configure_scope(
        self, callback: Callable[[Scope], None] | None = None, continue_trace: bool = True
    ) -> Any:
        """Changes made in the callback or the ``with`` block go to the isolation scope."""
        scope = get_isolation_scope()
        if continue_trace:
            scope.generate_propagation_context()
        if callback is not None:
            callback(scope)
            return None
        return _Yield(scope)

    def start_session(self, session_mode: str = "application") -> None:
        get_isolation_scope().start_session(session_mode=session_mode)

    def end_session(self) -> None:
        get_isolation_scope().end_session()

    def stop_auto_session_tracking(self) -> None:
        get_isolation_scope().stop_auto_session_tracking()

    def resume_auto_session_tracking(self) -> None:
        get_isolation_scope().resume_auto_session_tracking()

    def flush(
        self, timeout: float | None = None, callback: Callable[[int, float], None] | None = None
    ) -> None:
        get_client().flush(timeout=timeout, callback=callback)

    def get_traceparent(self) -> str | None:
        return get_current_scope().get_traceparent() or get_isolation_scope().get_traceparent()

    def get_baggage(self) -> str | None:
        baggage = get_current_scope().get_baggage() or get_isolation_scope().get_baggage()
        return baggage.serialize() if baggage is not None else None

    def iter_trace_propagation_headers(self, span: Any = None) -> Iterator[tuple[str, str]]:
        return get_current_scope().iter_trace_propagation_headers(span=span)

    def trace_propagation_meta(self, span: Any = None) -> str:
        return get_current_scope().trace_propagation_meta(span=span)


class _Yield:
    """``with hub.configure_scope() as scope:`` gives ``scope`` and undoes nothing."""

    __slots__ = ("_scope",)

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def __enter__(self) -> Scope:
        return self._scope

    def __exit__(self, *args: object) -> None:
        return None


with _Quiet():
    GLOBAL_HUB = Hub()
_local.set(GLOBAL_HUB)

_ELSEWHERE = {
    "Client": ("sentry_lite.client", "Client"),
    "NoOpSpan": ("sentry_lite.tracing._noop", "NoOpSpan"),
    "Span": ("sentry_lite.tracing._span", "Span"),
    "Transaction": ("sentry_lite.tracing._transaction", "Transaction"),
    "INSTRUMENTER": ("sentry_lite.consts", "INSTRUMENTER"),
    "logger": ("sentry_lite.utils", "logger"),
    "with_metaclass": ("sentry_lite._compat", "with_metaclass"),
}


def __getattr__(name: str) -> Any:
    target = _ELSEWHERE.get(name)
    if target is None:
        raise AttributeError(f"module 'sentry_lite.hub' has no attribute {name!r}")
    from sentry_lite._reexport import find

    try:
        value = find(target[1], target[0])
    except AttributeError:
        raise AttributeError(f"module 'sentry_lite.hub' has no attribute {name!r}") from None
    globals()[name] = value
    return value


__all__ = [
    "GLOBAL_HUB",
    "Hub",
    "HubMeta",
    "SentryHubDeprecationWarning",
    "get_client",
    "get_current_scope",
    "get_global_scope",
    "get_isolation_scope",
]
