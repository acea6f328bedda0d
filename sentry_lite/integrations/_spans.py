"""Child spans for client libraries (databases, caches, HTTP clients).

A call made inside a sampled transaction gets a span under the active span; outside one,
nothing is created (the call still leaves a breadcrumb, which the caller adds). The span is
not made the active one: these calls are leaves of the tree.
"""

from __future__ import annotations

from sentry_lite._scope_vars import _current_var

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    from sentry_lite.tracing._span import Span

    T = TypeVar("T")

FILTERED = "[Filtered]"
_current_get = _current_var.get


def active_span() -> Span | None:
    """The span active in this context, or None."""
    scope = _current_get()
    if scope is None:
        return None
    span: Span | None = scope._span
    return span


def child_span(op: str, name: str, origin: str) -> Span | None:
    """A child of the active span when it belongs to a sampled transaction, else None."""
    parent = active_span()
    if parent is None or not parent.sampled or parent.containing_transaction is None:
        return None
    return parent.start_child(op=op, name=name, origin=origin)


def finish(span: Span | None, failed: bool = False) -> None:
    """Finish ``span`` (``internal_error`` when ``failed`` and no status yet); never raises."""
    if span is None:
        return
    try:
        if failed and span.status is None:
            span.set_status("internal_error")
        span.finish()
    except Exception:
        pass


def timed(span: Span, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``call(*args, **kwargs)``, then ``span`` finished (``internal_error`` if it raised)."""
    try:
        result = call(*args, **kwargs)
    except BaseException:
        finish(span, failed=True)
        raise
    finish(span)
    return result


def add_query_source(span: Span) -> None:
    """The application's line that ran a slow query, as the finished ``span``'s ``code.*``
    data (loaded with the first query span: not on ``init()``'s path); never raises."""
    from sentry_lite.tracing._sources import add_query_source as add

    try:
        add(span)
    except Exception:
        pass


__all__ = ["FILTERED", "active_span", "add_query_source", "child_span", "finish", "timed"]
