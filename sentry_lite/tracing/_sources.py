"""Helpers that database and HTTP client instrumentation written for ``sentry_sdk`` calls:
``record_sql_queries`` (a ``db`` span and a ``query`` breadcrumb), ``add_query_source`` /
``add_http_request_source`` (where in the application a slow query or request was made) and
``add_http_breadcrumb``.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

from sentry_lite.scope import get_client, get_current_scope, get_isolation_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from types import FrameType
    from typing import Any

    from sentry_lite.tracing._span import Span

_SDK_PREFIXES = ("sentry_lite.", "sentry_sdk.")


def _format_sql(cursor: Any, sql: Any) -> str | None:
    # A driver that can render the query with its parameters bound (psycopg's mogrify)
    # gives the text the database ran; else the query as given.
    try:
        if hasattr(cursor, "mogrify"):
            real = cursor.mogrify(sql)
            if isinstance(real, bytes):
                real = real.decode(cursor.connection.encoding)
            if real:
                return str(real)
    except Exception:
        pass
    if sql is None:
        return None
    return sql.decode("utf-8", "replace") if isinstance(sql, bytes) else str(sql)


@contextmanager
def record_sql_queries(
    cursor: Any,
    query: Any,
    params_list: Any,
    paramstyle: str | None,
    executemany: bool,
    record_cursor_repr: bool = False,
    span_origin: str = "manual",
    span_op_override_value: str | None = None,
) -> Iterator[Span]:
    """``with record_sql_queries(...) as span:`` around one query: a ``db`` span (a child of
    the active span) named by the query, and a ``query`` breadcrumb. Parameters are kept only
    with ``_experiments={"record_sql_params": True}``, as in the official SDK."""
    client = get_client()
    if client.is_active() and client.options.record_sql_params:
        params_list = None if not params_list or params_list == [None] else params_list
        paramstyle = "format" if paramstyle == "pyformat" else paramstyle
    else:
        params_list = paramstyle = None
    text = _format_sql(cursor, query)
    data: dict[str, Any] = {}
    if params_list is not None:
        data["db.params"] = params_list
    if paramstyle is not None:
        data["db.paramstyle"] = paramstyle
    if executemany:
        data["db.executemany"] = True
    if record_cursor_repr and cursor is not None:
        data["db.cursor"] = cursor
    try:
        get_isolation_scope().add_breadcrumb(message=text, category="query", data=data)
    except Exception:
        client.log_error("record_sql_queries: could not add the breadcrumb")
    op = span_op_override_value if span_op_override_value is not None else "db"
    with get_current_scope().start_span(op=op, name=text, origin=span_origin) as span:
        for key, value in data.items():
            span.set_data(key, value)
        yield span


def add_http_breadcrumb(status_code: int | None, data: dict[str, Any]) -> None:
    """An ``http`` breadcrumb; ``warning`` for a 4xx status, ``error`` for a 5xx."""
    crumb: dict[str, Any] = {"type": "http", "category": "httplib", "data": data}
    if status_code and 400 <= status_code <= 599:
        crumb["level"] = "error" if status_code >= 500 else "warning"
    get_isolation_scope().add_breadcrumb(**crumb)


def maybe_create_breadcrumbs_from_span(scope: Any, span: Any) -> None:
    """The breadcrumb older ``sentry_sdk`` versions made from a finished span: a ``redis``
    command, an outgoing HTTP request (leveled by its status) or a subprocess."""
    data = dict(span._data or {})
    if span.op == "db.redis":
        scope.add_breadcrumb(message=span.description, type="redis", category="redis",
                             data=dict(span._tags or {}))
    elif span.op == "http.client":
        status = data.get("http.response.status_code")
        crumb: dict[str, Any] = {"type": "http", "category": "httplib", "data": data}
        if isinstance(status, int) and 400 <= status <= 599:
            crumb["level"] = "error" if status >= 500 else "warning"
        scope.add_breadcrumb(**crumb)
    elif span.op == "subprocess":
        scope.add_breadcrumb(type="subprocess", category="subprocess", message=span.description,
                             data=data)


def _included(frame: FrameType, namespace: str | None, include: Sequence[str],
              paths: Any) -> bool:
    if namespace is not None and namespace.startswith(_SDK_PREFIXES):
        return False
    abs_path = frame.f_code.co_filename
    if namespace and any(namespace == n or namespace.startswith(n + ".") for n in include):
        return True
    return bool(paths.in_app(namespace, abs_path))


def add_source(
    span: Any,
    project_root: str | None,
    in_app_include: list[str] | None,
    in_app_exclude: list[str] | None,
) -> None:
    """Set ``code.lineno``/``code.namespace``/``code.filepath``/``code.function`` on ``span``
    from the innermost application frame of the caller's stack (none: nothing is set)."""
    from sentry_lite._event.paths import Paths, filename_for

    paths = Paths(tuple(in_app_include or ()), tuple(in_app_exclude or ()), project_root)
    include = in_app_include or ()
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        namespace = frame.f_globals.get("__name__")
        namespace = namespace if isinstance(namespace, str) else None
        if _included(frame, namespace, include, paths):
            break
        frame = frame.f_back
    if frame is None:
        return
    span.set_data("code.lineno", frame.f_lineno)
    if namespace is not None:
        span.set_data("code.namespace", namespace)
    span.set_data("code.filepath", filename_for(namespace, frame.f_code.co_filename))
    span.set_data("code.function", frame.f_code.co_name)


def _add_source_if_slow(span: Any, enabled: bool, threshold_ms: int | None,
                        options: Any) -> None:
    end, start = span.timestamp, span.start_timestamp  # datetimes (or floats)
    if not enabled or end is None or start is None:
        return
    elapsed = end - start
    seconds = elapsed.total_seconds() if hasattr(elapsed, "total_seconds") else elapsed
    if seconds * 1000 <= (threshold_ms or 0):
        return
    add_source(span, options.project_root, options.in_app_include, options.in_app_exclude)


def add_query_source(span: Any) -> None:
    """``add_source`` for a finished query span slower than ``db_query_source_threshold_ms``
    (when ``enable_db_query_source``)."""
    client = get_client()
    if client.is_active():
        options = client.options
        _add_source_if_slow(span, options.enable_db_query_source,
                            options.db_query_source_threshold_ms, options)


def add_http_request_source(span: Any) -> None:
    """``add_source`` for a finished request span slower than
    ``http_request_source_threshold_ms`` (when ``enable_http_request_source``)."""
    client = get_client()
    if client.is_active():
        options = client.options
        _add_source_if_slow(span, options.enable_http_request_source,
                            options.http_request_source_threshold_ms, options)


__all__ = [
    "add_http_breadcrumb",
    "add_http_request_source",
    "add_query_source",
    "add_source",
    "maybe_create_breadcrumbs_from_span",
    "record_sql_queries",
]
