"""Outgoing HTTP requests: a child span and the propagation headers.

HTTP client instrumentation (``sentry_lite.integrations.stdlib`` patches
``http.client.HTTPConnection``, which ``urllib.request`` and urllib3 use underneath) calls
:func:`start_request` right after ``putrequest`` and :func:`finish_request` when the response
(or the error) arrives. Requests to the DSN's own host get neither span nor headers.
"""

from __future__ import annotations

from sentry_lite.scope import get_current_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from sentry_lite.tracing._span import Span

OP = "http.client"
ORIGIN = "auto.http.stdlib"


def should_propagate(url: str, targets: Iterable[Any] | None) -> bool:
    """Whether ``url`` matches ``trace_propagation_targets`` (regexes searched in the URL,
    compiled patterns too). ``None`` means every URL, an empty list none."""
    if targets is None:
        return True
    import re

    for target in targets:
        try:
            if isinstance(target, str):
                if target in url or re.search(target, url):
                    return True
            elif target.search(url):
                return True
        except Exception:
            continue
    return False


def _is_dsn_host(connection: Any, dsn: Any) -> bool:
    return dsn is not None and getattr(connection, "host", None) == dsn.host and (
        getattr(connection, "port", None) in (None, dsn.port)
    )


def start_request(
    connection: Any, method: str, url: str, query: str | None = None, fragment: str | None = None
) -> Span | None:
    """Start the span of a request on ``connection`` (after its ``putrequest``) and put the
    ``sentry-trace`` and ``baggage`` headers on it when ``url`` (scheme, host and path) is a
    propagation target. Returns the span to finish, or ``None``. Never raises.
    """
    try:
        scope = get_current_scope()
        client = scope.client
        if not client.is_active() or _is_dsn_host(connection, client.parsed_dsn):
            return None
        span = _start_span(scope, client, method, url, query, fragment)
        options = client.options
        full = f"{url}?{query}" if query else url
        if options.propagate_traces and should_propagate(full, options.trace_propagation_targets):
            for name, value in scope.iter_trace_propagation_headers(span=span):
                connection.putheader(name, value)
        return span
    except Exception:
        return None


def _start_span(
    scope: Any, client: Any, method: str, url: str, query: str | None, fragment: str | None
) -> Span | None:
    parent = scope.span
    if parent is None or not client.options.tracing_enabled:
        return None
    span: Span = parent.start_child(op=OP, name=f"{method} {url}", origin=ORIGIN)
    span.set_data("http.method", method)
    span.set_data("url", url)
    if query:
        span.set_data("http.query", query)
    if fragment:
        span.set_data("http.fragment", fragment)
    return span


def finish_request(span: Span | None, status: int | None, failed: bool = False) -> None:
    """Record the response ``status`` (or a failure without response) and finish ``span``."""
    if span is None:
        return
    try:
        if status is not None:
            span.set_http_status(status)
        elif failed:
            span.set_status("internal_error")
        span.finish()
    except Exception:
        pass


__all__ = ["finish_request", "should_propagate", "start_request"]
