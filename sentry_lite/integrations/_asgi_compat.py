"""Helpers of ``sentry_sdk.integrations.asgi`` that third-party code imports (``_get_headers``,
``_get_request_data``...), with the official signatures and results. The middleware itself does
not use them: its request handling is ``sentry_lite.integrations.asgi``'s.
"""

from __future__ import annotations

import inspect
from enum import Enum

from sentry_lite.scope import get_client

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_DEFAULT_TRANSACTION_NAME = "generic ASGI request"
TRANSACTION_STYLE_VALUES = ("endpoint", "url")
CONTEXTVARS_ERROR_MESSAGE = (
    "\n\nWith asyncio/ASGI applications, the Sentry SDK needs real context variables "
    "(contextvars, Python 3.7+) to keep requests apart.\n"
)
HAS_REAL_CONTEXTVARS = True
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class _RootPathInPath(Enum):
    EXCLUDED = "excluded"
    EITHER = "either"


def _get_headers(asgi_scope: Any) -> dict[str, str]:
    """The request headers, names as sent (lower case), repeated ones joined with ``, ``."""
    headers: dict[str, str] = {}
    for raw_key, raw_value in asgi_scope["headers"]:
        key = raw_key.decode("latin-1")
        value = raw_value.decode("latin-1")
        headers[key] = headers[key] + ", " + value if key in headers else value
    return headers


def _get_query(asgi_scope: Any) -> Any:
    query = asgi_scope.get("query_string")
    if not query:
        return None
    return query.decode("latin-1") if isinstance(query, bytes) else str(query)


def _get_path(asgi_scope: dict[str, Any], root_path_in_path: Any) -> str:
    root = str(asgi_scope.get("root_path", ""))
    path = str(asgi_scope.get("path", ""))
    if root_path_in_path in (_RootPathInPath.EXCLUDED, "excluded"):
        return root + path
    if not root or path == root or path.startswith(root + "/"):
        return path
    return root + path


def _get_url(asgi_scope: dict[str, Any], default_scheme: str, host: Any, path: str) -> str:
    """The request URL without its query string."""
    scheme = asgi_scope.get("scheme", default_scheme)
    if host:
        return f"{scheme}://{host}{path}"
    server = asgi_scope.get("server")
    if server is None:
        return path
    name, port = server
    if port != _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{name}:{port}{path}"
    return f"{scheme}://{name}{path}"


def _get_ip(asgi_scope: Any) -> str | None:
    """The client address: ``X-Forwarded-For``'s first, ``X-Real-Ip``, else the peer."""
    headers = _get_headers(asgi_scope)
    forwarded = headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",")[0].strip()
    if "x-real-ip" in headers:
        return headers["x-real-ip"]
    client = asgi_scope.get("client")
    return str(client[0]) if client else None


def _get_request_data(asgi_scope: Any, root_path_in_path: Any = "excluded") -> dict[str, Any]:
    """The event's ``request`` for an ASGI scope (address headers filtered and no peer
    address unless ``send_default_pii``)."""
    from sentry_lite.integrations._http_common import build_request

    client = get_client()
    pii = bool(client.is_active() and client.options.send_default_pii)
    kind = asgi_scope["type"]
    if kind not in ("http", "websocket"):
        return {"env": {"REMOTE_ADDR": _get_ip(asgi_scope)}} if pii and asgi_scope.get(
            "client") else {}
    headers = _get_headers(asgi_scope)
    url = _get_url(asgi_scope, "http" if kind == "http" else "ws", headers.get("host"),
                   _get_path(asgi_scope, root_path_in_path))
    ip = _get_ip(asgi_scope) if asgi_scope.get("client") else None
    return build_request(asgi_scope.get("method"), url, _get_query(asgi_scope) or "", headers,
                         {}, pii, ip)


def _looks_like_asgi3(app: Any) -> bool:
    """Whether ``app`` is an ASGI 3 application (one awaitable call), as uvicorn decides."""
    if inspect.isclass(app):
        return hasattr(app, "__await__")
    if inspect.isfunction(app):
        return inspect.iscoroutinefunction(app)
    return inspect.iscoroutinefunction(getattr(app, "__call__", None))  # noqa: B004


def _capture_exception(exc: Any, mechanism_type: str = "asgi") -> None:
    """Capture ``exc`` as unhandled (``mechanism.type`` ``mechanism_type``)."""
    from sentry_lite.integrations import capture_exc

    capture_exc((type(exc), exc, exc.__traceback__), {"type": mechanism_type, "handled": False})


def asgi2_adapter(app: Any) -> Any:
    """An ASGI 3 callable for an ASGI 2 application (``app(scope)`` then ``(receive, send)``)."""

    async def asgi3(scope: Any, receive: Any, send: Any) -> None:
        await app(scope)(receive, send)

    return asgi3


def _name(middleware: Any, asgi_scope: Any) -> tuple[str, str]:
    """A transaction name by ``transaction_style``: the endpoint (``endpoint``) or the route
    (``url``) a framework put in the scope, else the URL (source ``url``)."""
    name: str | None = None
    if middleware.transaction_style == "endpoint":
        endpoint = asgi_scope.get("endpoint")
        source = "component"
        if endpoint:
            from sentry_lite.integrations.asgi import endpoint_name

            name = endpoint_name(endpoint) or ""
    else:
        route = asgi_scope.get("route")
        source = "route"
        name = getattr(route, "path", None) if route else None
        endpoint = route
    if name is None and not endpoint:
        kind = "http" if asgi_scope.get("type") == "http" else "ws"
        name = _get_url(asgi_scope, kind, None, _get_path(asgi_scope, middleware.root_path_in_path))
        source = "url"
    if name is None:
        return _DEFAULT_TRANSACTION_NAME, "route"
    return name, source


def event_processor(middleware: Any, event: Any, hint: Any, asgi_scope: Any) -> Any:
    """``SentryAsgiMiddleware.event_processor``: the request and, when no framework named the
    transaction, a name by the middleware's ``transaction_style``."""
    request = event.get("request", {})
    request.update(_get_request_data(asgi_scope, middleware.root_path_in_path))
    event["request"] = request
    info = event.get("transaction_info") or {}
    named = event.get("transaction") not in (None, _DEFAULT_TRANSACTION_NAME) and info.get(
        "source") in ("component", "route", "custom")
    if not named:
        event["transaction"], source = _name(middleware, asgi_scope)
        event["transaction_info"] = {"source": source}
    return event


# Names of the official module that third-party code imports (helpers and re-exports).
_COMPAT = frozenset((
    "_DEFAULT_TRANSACTION_NAME", "_RootPathInPath", "_capture_exception", "_get_headers",
    "_get_ip", "_get_path", "_get_query", "_get_request_data", "_get_url", "_looks_like_asgi3",
    "CONTEXTVARS_ERROR_MESSAGE", "HAS_REAL_CONTEXTVARS", "TRANSACTION_STYLE_VALUES",
))
_ELSEWHERE = {
    "continue_trace": "sentry_lite.api",
    "Scope": "sentry_lite.scope",
    "should_send_default_pii": "sentry_lite.scope",
    "Transaction": "sentry_lite.tracing",
    "TransactionSource": "sentry_lite.tracing",
    "SOURCE_FOR_STYLE": "sentry_lite.tracing",
    "has_span_streaming_enabled": "sentry_lite.tracing",
    "StreamedSpan": "sentry_lite.traces",
    "SegmentNameSource": "sentry_lite.traces",
    "OP": "sentry_lite.consts",
    "SPANDATA": "sentry_lite.consts",
    "track_session": "sentry_lite.sessions",
    "capture_internal_exceptions": "sentry_lite.utils",
    "event_from_exception": "sentry_lite.utils",
    "has_data_collection_enabled": "sentry_lite.utils",
    "logger": "sentry_lite.utils",
    "nullcontext": "sentry_lite.utils",
    "qualname_from_function": "sentry_lite.utils",
    "reraise": "sentry_lite.utils",
    "transaction_from_function": "sentry_lite.utils",
}


def lookup(name: str) -> Any:
    """A name of ``sentry_sdk.integrations.asgi`` that the middleware module does not define."""
    if name in _COMPAT:
        return globals()[name]
    if name == "SEGMENT_SOURCE_FOR_STYLE":
        name, module = "SOURCE_FOR_STYLE", "sentry_lite.traces"
    else:
        module = _ELSEWHERE.get(name, "")
    from sentry_lite._reexport import find

    try:
        if not module:
            raise AttributeError(name)
        return find(name, module)
    except AttributeError:
        raise AttributeError(
            f"module 'sentry_lite.integrations.asgi' has no attribute {name!r}"
        ) from None


__all__ = [
    "CONTEXTVARS_ERROR_MESSAGE",
    "HAS_REAL_CONTEXTVARS",
    "TRANSACTION_STYLE_VALUES",
    "asgi2_adapter",
    "event_processor",
    "lookup",
]
