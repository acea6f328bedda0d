"""The module-level API: each function finds a scope and calls one of its methods.

Setters write the isolation scope; captures go through the current scope.
"""

from __future__ import annotations

from sentry_lite._blocks import (
    configure_scope,
    isolation_scope,
    new_scope,
    push_scope,
    use_isolation_scope,
    use_scope,
)
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
    from collections.abc import Callable, Mapping
    from typing import Any

    from sentry_lite.client import Client
    from sentry_lite.types import Breadcrumb, BreadcrumbHint, Event, ExcInfo, Hint, LogLevelStr


class _InitGuard:
    """What ``init()`` returns: usable as ``with init(...):`` to close the client at exit."""

    __slots__ = ("_client",)

    def __init__(self, client: Client) -> None:
        self._client = client

    def __enter__(self) -> _InitGuard:
        return self

    def __exit__(self, *args: object) -> None:
        self._client.close()


def init(*args: str | None, **kwargs: Any) -> _InitGuard:
    """Configure the SDK: ``init(dsn=..., **options)``.

    An unknown option raises ``TypeError``; a bad DSN or option value ``ValueError``.
    """
    from sentry_lite.client import Client

    client = Client(*args, **kwargs)
    get_global_scope().set_client(client)
    return _InitGuard(client)


def is_initialized() -> bool:
    """True once ``init()`` has bound a client."""
    active: bool = get_client().is_active()
    return active


# The setters below are the hot path: one context-var read and one store.
_isolation_get = _isolation_var.get
_current_get = _current_var.get


def _isolation() -> Scope:
    return _isolation_get() or get_isolation_scope()


def _current() -> Scope:
    return _current_get() or get_current_scope()


def set_tag(key: str, value: Any) -> None:
    (_isolation_get() or get_isolation_scope())._tags[key] = value


def set_tags(tags: Mapping[str, object]) -> None:
    (_isolation_get() or get_isolation_scope())._tags.update(tags)


def remove_tag(key: str) -> None:
    (_isolation_get() or get_isolation_scope())._tags.pop(key, None)


def set_extra(key: str, value: Any) -> None:
    (_isolation_get() or get_isolation_scope())._extras[key] = value


def set_context(key: str, value: dict[str, Any]) -> None:
    (_isolation_get() or get_isolation_scope())._contexts[key] = value


def set_user(value: dict[str, Any] | None) -> None:
    scope = _isolation_get() or get_isolation_scope()
    scope._user = value
    if scope._session is not None:  # the session's user id (``did``) follows
        scope._session.update(user=value)


def set_level(value: LogLevelStr) -> None:
    (_isolation_get() or get_isolation_scope())._level = value


def set_transaction_name(name: str, source: str | None = None) -> None:
    _current().set_transaction_name(name, source)


def add_breadcrumb(
    crumb: Breadcrumb | None = None, hint: BreadcrumbHint | None = None, **kwargs: Any
) -> None:
    if crumb:
        kwargs = {**crumb, **kwargs} if kwargs else dict(crumb)
    elif not kwargs:
        return
    (_isolation_get() or get_isolation_scope())._add_crumb(kwargs, hint)


def add_attachment(
    bytes: bytes | Callable[[], bytes] | None = None,
    filename: str | None = None,
    path: str | None = None,
    content_type: str | None = None,
    add_to_transactions: bool = False,
) -> None:
    _isolation().add_attachment(bytes, filename, path, content_type, add_to_transactions)


def capture_event(
    event: Event, hint: Hint | None = None, scope: Any = None, **scope_kwargs: Any
) -> str | None:
    return _current().capture_event(event, hint, scope=scope, **scope_kwargs)


def capture_message(
    message: str, level: LogLevelStr | None = None, scope: Any = None, **scope_kwargs: Any
) -> str | None:
    return _current().capture_message(message, level, scope=scope, **scope_kwargs)


def capture_exception(
    error: BaseException | ExcInfo | None = None, scope: Any = None, **scope_kwargs: Any
) -> str | None:
    return _current().capture_exception(error, scope=scope, **scope_kwargs)


def last_event_id() -> str | None:
    """The id of the last event captured in this isolation scope."""
    return _isolation()._last_event_id


def flush(
    timeout: float | None = None, callback: Callable[[int, float], None] | None = None
) -> None:
    """Wait up to ``timeout`` seconds (default ``shutdown_timeout``) for pending events."""
    get_client().flush(timeout=timeout, callback=callback)


async def flush_async(
    timeout: float | None = None, callback: Callable[[int, float], None] | None = None
) -> None:
    """``flush()`` for async code: waits in a worker thread, not on the event loop."""
    import asyncio

    await asyncio.get_running_loop().run_in_executor(None, flush, timeout, callback)


def set_attribute(attribute: str, value: Any) -> None:
    """An attribute that logs and metrics captured in this isolation scope carry."""
    _isolation().set_attribute(attribute, value)


def set_attributes(attributes: dict[str, Any]) -> None:
    _isolation().set_attributes(attributes)


def remove_attribute(attribute: str) -> None:
    _isolation().remove_attribute(attribute)


def __getattr__(name: str) -> Any:
    # monitor() is the crons module's (loaded when asked for)
    if name == "monitor":
        from sentry_lite._reexport import find

        try:
            return find("monitor", "sentry_lite.crons", "sentry_lite.crons.decorator")
        except AttributeError:
            pass
    raise AttributeError(f"module 'sentry_lite.api' has no attribute {name!r}")


# -- tracing -----------------------------------------------------------------------------


def start_transaction(
    transaction: Any = None,
    instrumenter: str = "sentry",
    custom_sampling_context: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Start a transaction (sampled per the options); ``with`` it to make it active."""
    return _current().start_transaction(
        transaction, instrumenter, custom_sampling_context=custom_sampling_context, **kwargs
    )


def start_span(**kwargs: Any) -> Any:
    """Start a child of the active span; ``with`` it to make it active."""
    return _current().start_span(**kwargs)


def get_current_span(scope: Scope | None = None) -> Any:
    """The active span, or ``None``."""
    return (scope if scope is not None else _current())._span


def continue_trace(
    environ_or_headers: Any,
    op: str | None = None,
    name: str | None = None,
    source: str | None = None,
    origin: str = "manual",
) -> Any:
    """Join the trace of incoming headers (or a WSGI environ): a transaction to start."""
    return _isolation().continue_trace(environ_or_headers, op, name, source, origin)


def get_traceparent() -> str | None:
    """The ``sentry-trace`` header value for an outgoing request."""
    return _current().get_traceparent()


def get_baggage() -> str | None:
    """The ``baggage`` header value for an outgoing request."""
    baggage = _current().get_baggage()
    return (baggage.serialize() or None) if baggage is not None else None


def set_measurement(name: str, value: float, unit: str = "") -> None:
    """Record a measurement on the active transaction."""
    span = _current()._span
    transaction = getattr(span, "containing_transaction", None)
    if transaction is not None:
        transaction.set_measurement(name, value, unit)


def update_current_span(
    op: str | None = None,
    name: str | None = None,
    attributes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Change the active span's op or name, or add data to it (nothing if none is active)."""
    span = _current()._span
    if span is None:
        return
    if op is not None:
        span.op = op
    if name is not None:
        span.description = name  # a transaction keeps its name, as upstream
    for values in (data, attributes):
        if values:
            span.update_data(values)


def trace(
    func: Any = None,
    *,
    op: str | None = None,
    name: str | None = None,
    attributes: dict[str, Any] | None = None,
    template: str = "default",
) -> Any:
    """``@trace`` / ``@trace(op=..., name=...)``: run the function in a child span."""
    from sentry_lite.tracing._decorator import trace as decorate

    return decorate(func, op=op, name=name, attributes=attributes, template=template)


def start_session(session_mode: str = "application") -> None:
    """Start a release-health session on the isolation scope (ending the previous one)."""
    get_isolation_scope().start_session(session_mode=session_mode)


def end_session() -> None:
    """End the isolation scope's session; it is sent in the background (and at exit)."""
    get_isolation_scope().end_session()


__all__ = [
    "add_attachment",
    "add_breadcrumb",
    "capture_event",
    "capture_exception",
    "capture_message",
    "configure_scope",
    "continue_trace",
    "end_session",
    "flush",
    "flush_async",
    "get_baggage",
    "get_client",
    "get_current_scope",
    "get_current_span",
    "get_global_scope",
    "get_isolation_scope",
    "get_traceparent",
    "init",
    "is_initialized",
    "isolation_scope",
    "last_event_id",
    "new_scope",
    "push_scope",
    "remove_attribute",
    "remove_tag",
    "set_attribute",
    "set_attributes",
    "set_context",
    "set_extra",
    "set_level",
    "set_measurement",
    "set_tag",
    "set_tags",
    "set_transaction_name",
    "set_user",
    "start_session",
    "start_span",
    "start_transaction",
    "trace",
    "update_current_span",
    "use_isolation_scope",
    "use_scope",
]
