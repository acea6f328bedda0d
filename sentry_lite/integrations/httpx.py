"""httpx (``Client`` and ``AsyncClient``): a span, a breadcrumb and trace headers per request.

``HttpxIntegration()`` (no options, as the official SDK's) wraps ``Client.send`` and
``AsyncClient.send``, through which every httpx request goes:

- inside a sampled transaction, a span (op ``http.client``, origin ``auto.http.httpx``,
  description ``"GET https://host/path"``) with ``http.method``, ``url``, ``http.query``,
  ``http.fragment``, ``http.response.status_code`` and ``reason``; a request that fails
  without a response ends it with ``internal_error``;
- a breadcrumb ``{type: http, category: httplib, data: {http.method, url, http.query,
  http.fragment, http.response.status_code, reason}}`` (warning for 4xx, error for 5xx and
  for no response);
- ``sentry-trace`` and ``baggage`` headers when the URL matches
  ``trace_propagation_targets`` (other vendors' ``baggage`` members are kept).

URLs are shown without their query string and fragment (those go to ``http.query`` and
``http.fragment``) and with any ``user:password@`` replaced by ``[Filtered]``.
"""

from __future__ import annotations

from sentry_lite import api
from sentry_lite.integrations import DidNotEnable, Integration, active, in_sdk_thread, patch
from sentry_lite.integrations._spans import FILTERED, child_span
from sentry_lite.scope import get_current_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite.tracing._span import Span

OP = "http.client"


class HttpxIntegration(Integration):
    """Spans, breadcrumbs and trace propagation for httpx requests."""

    identifier = "httpx"
    origin = f"auto.http.{identifier}"

    @staticmethod
    def setup_once() -> None:
        try:
            import httpx
        except ImportError:
            raise DidNotEnable("httpx is not installed") from None
        _patch_sync(httpx.Client)
        _patch_async(httpx.AsyncClient)


def _url_parts(request: Any, full: str) -> dict[str, Any]:
    """``http.method``, ``url`` (no query, fragment or credentials), query and fragment."""
    base, _, fragment = full.partition("#")
    base, _, query = base.partition("?")
    scheme, sep, rest = base.partition("://")
    authority = rest.partition("/")[0]
    if sep and "@" in authority:
        rest = rest[authority.rindex("@") + 1:]
        base = f"{scheme}://{FILTERED}:{FILTERED}@{rest}"
    return {"http.method": request.method, "url": base, "http.query": query,
            "http.fragment": fragment}


class _Request:
    """One request under way: its span (if any) is open, its headers are set."""

    __slots__ = ("data", "span")

    def __init__(self, request: Any) -> None:
        full = str(request.url)
        self.data = data = _url_parts(request, full)
        self.span = span = child_span(
            OP, f"{data['http.method']} {data['url']}", HttpxIntegration.origin
        )
        if span is not None:
            span.update_data(data)
        _propagate(request, full, span)

    def done(self, response: Any) -> None:
        data = self.data
        status = getattr(response, "status_code", None) if response is not None else None
        level = None
        if status is None:
            level = "error"
        else:
            data["http.response.status_code"] = status
            data["reason"] = response.reason_phrase
            level = "error" if status >= 500 else "warning" if status >= 400 else None
        span = self.span
        if span is not None:
            try:
                if status is None:
                    span.set_status("internal_error")
                else:
                    span.set_http_status(status)
                    span.set_data("reason", data["reason"])
                span.finish()
            except Exception:
                pass
        crumb: dict[str, Any] = {"type": "http", "category": "httplib", "data": dict(data)}
        if level is not None:
            crumb["level"] = level
        api.add_breadcrumb(crumb)  # type: ignore[arg-type]


def _propagate(request: Any, full: str, span: Span | None) -> None:
    """Put ``sentry-trace`` and ``baggage`` on ``request`` when its URL is a target."""
    from sentry_lite.tracing._outgoing import should_propagate

    scope = get_current_scope()
    client = scope.client
    options = client.options
    if not options.propagate_traces:
        return
    url = request.url
    dsn = client.parsed_dsn
    if dsn is not None and url.host == dsn.host and (url.port or 0) in (0, dsn.port):
        return
    if not should_propagate(full, options.trace_propagation_targets):
        return
    headers = request.headers
    for name, value in scope.iter_trace_propagation_headers(span=span):
        existing = headers.get(name) if name == "baggage" else None
        if existing:
            kept = [m.strip() for m in existing.split(",")]
            kept = [m for m in kept if m and not m.startswith("sentry-")]
            headers[name] = ",".join([*kept, value])
        else:
            headers[name] = value


def _start(request: Any) -> _Request | None:
    if active(HttpxIntegration.identifier) is None or in_sdk_thread():
        return None
    try:
        return _Request(request)
    except Exception:
        return None


def _done(call: _Request, response: Any) -> None:
    try:
        call.done(response)
    except Exception:
        pass


def _patch_sync(client_class: Any) -> None:
    original = client_class.send

    def send(self: Any, request: Any, **kwargs: Any) -> Any:
        call = _start(request)
        if call is None:
            return original(self, request, **kwargs)
        try:
            response = original(self, request, **kwargs)
        except BaseException:
            _done(call, None)
            raise
        _done(call, response)
        return response

    patch(HttpxIntegration.identifier, client_class, "send", send)


def _patch_async(client_class: Any) -> None:
    original = client_class.send

    async def send(self: Any, request: Any, **kwargs: Any) -> Any:
        call = _start(request)
        if call is None:
            return await original(self, request, **kwargs)
        try:
            response = await original(self, request, **kwargs)
        except BaseException:
            _done(call, None)
            raise
        _done(call, response)
        return response

    patch(HttpxIntegration.identifier, client_class, "send", send)


__all__ = ["HttpxIntegration"]
