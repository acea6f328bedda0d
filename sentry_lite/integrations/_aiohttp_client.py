"""aiohttp's client: a trace config on every ``ClientSession`` made while the integration is on.

Per request: an ``http.client`` span (origin ``auto.http.aiohttp``) under the current span,
``sentry-trace`` / ``baggage`` headers when the URL is a propagation target (a
``sentry-trace`` the caller set is kept; a ``baggage`` without Sentry members gets ours
appended), and an ``httplib`` breadcrumb with the status (a request that failed without a
response too). The span and headers come from :mod:`sentry_lite.tracing._outgoing`, as for
``http.client``.
"""

from __future__ import annotations

from sentry_lite.integrations import active, patch

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ORIGIN = "auto.http.aiohttp"
_IDENTIFIER = "aiohttp"
_KEY = "_sentry_lite"
_trace_config: list[Any] = []


class _Outgoing:
    """What ``start_request`` needs of a connection: host, port and ``putheader``."""

    __slots__ = ("headers", "host", "port")

    def __init__(self, headers: Any, host: str | None, port: int | None) -> None:
        self.headers = headers
        self.host = host
        self.port = port

    def putheader(self, name: str, value: str) -> None:
        headers = self.headers
        existing = headers.get(name)
        if not existing:
            headers[name] = value
        elif name == "baggage" and not _has_sentry_members(existing):
            headers[name] = f"{existing},{value}"
        # else: the caller's own sentry-trace / Sentry baggage stays as it is


def _has_sentry_members(baggage: Any) -> bool:
    if isinstance(baggage, bytes):
        baggage = baggage.decode("latin-1")
    return any(item.strip().startswith("sentry-") for item in str(baggage).split(","))


async def on_request_start(session: Any, context: Any, params: Any) -> None:
    if active(_IDENTIFIER) is None:
        return
    try:
        from sentry_lite.tracing._outgoing import start_request

        url = params.url
        method = params.method.upper()
        # no credentials (http://user:password@host/) in what is reported
        base = str(url.with_user(None).with_query(None).with_fragment(None))
        query = url.raw_query_string or None
        fragment = url.raw_fragment or None
        span = start_request(
            _Outgoing(params.headers, url.host, url.port), method, base, query, fragment
        )
        if span is not None:
            span.origin = ORIGIN
        data: dict[str, Any] = {"http.method": method, "url": base}
        if query:
            data["http.query"] = query
        if fragment:
            data["http.fragment"] = fragment
        setattr(context, _KEY, (span, data))
    except Exception:
        pass


async def on_request_end(session: Any, context: Any, params: Any) -> None:
    started = getattr(context, _KEY, None)
    if started is None:
        return
    from sentry_lite.integrations.stdlib import _http_breadcrumb
    from sentry_lite.tracing._outgoing import finish_request

    span, data = started
    response = params.response
    status = int(response.status)
    _http_breadcrumb(data, status, response.reason)
    if span is not None:
        if response.reason:
            span.set_data("reason", response.reason)
        finish_request(span, status)
        if _slow(span):
            try:
                from sentry_lite.tracing._sources import add_http_request_source

                add_http_request_source(span)  # where a slow request was made (when enabled)
            except Exception:
                pass


def _slow(span: Any) -> bool:
    """Past ``http_request_source_threshold_ms`` (checked on the span's own clock first:
    most requests are not, and the full check costs more than the request's span)."""
    try:
        from sentry_lite.scope import get_client

        options = get_client().options
        if not options.enable_http_request_source:
            return False
        threshold = options.http_request_source_threshold_ms or 0
        return bool((span._end - span._start) * 1000 > threshold)
    except Exception:
        return True  # let the full check decide


async def on_request_exception(session: Any, context: Any, params: Any) -> None:
    started = getattr(context, _KEY, None)
    if started is None:
        return
    from sentry_lite.integrations.stdlib import _http_breadcrumb
    from sentry_lite.tracing._outgoing import finish_request

    span, data = started
    _http_breadcrumb(data, None, None)
    finish_request(span, None, failed=True)


def trace_config() -> Any:
    """The one ``TraceConfig`` every instrumented session shares."""
    if not _trace_config:
        from aiohttp import TraceConfig

        config = TraceConfig()
        config.on_request_start.append(on_request_start)
        config.on_request_end.append(on_request_end)
        config.on_request_exception.append(on_request_exception)
        config.freeze()
        _trace_config.append(config)
    return _trace_config[0]


def patch_client_session(session_class: Any) -> None:
    original_init = session_class.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if active(_IDENTIFIER) is not None:
            try:
                configs = list(kwargs.get("trace_configs") or ())
                configs.append(trace_config())
                kwargs["trace_configs"] = configs
            except Exception:
                pass
        original_init(self, *args, **kwargs)

    patch(_IDENTIFIER, session_class, "__init__", __init__)


__all__ = ["ORIGIN", "patch_client_session", "trace_config"]
