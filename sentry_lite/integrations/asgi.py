"""ASGI: ``SentryAsgiMiddleware(app)`` reports what happens in any ASGI 3 application.

Each HTTP or WebSocket connection runs in its own isolation scope (forks taken when it
arrives), continues the trace of incoming ``sentry-trace`` / ``baggage`` headers and, with
tracing on, is an ``http.server`` (``websocket.server``) transaction whose status comes
from the ``http.response.start`` message. An exception escaping the application is
captured (``mechanism: asgi, handled: false``) and re-raised; a response status in
``failed_request_status_codes`` (500-599) is reported unless an error with an exception was
captured during the request (by anyone: the official SDK's middleware sends that one only).

The transaction is named after the URL (``http://127.0.0.1:8000/path``, the server's address
as the official SDK names it) until the application's router tells more:
Starlette-style routers leave the matched route (``scope["route"]``) and endpoint
(``scope["endpoint"]``) in the ASGI scope, read by ``transaction_style`` (``"url"``: the
route's path template, ``"endpoint"``: the endpoint's qualified name) when the response
starts, when an event is sent, and when the request ends.

Nothing is built per request that no event needs: the event's ``request`` (method, URL,
query string, headers; cookies, the client's address and user only with
``send_default_pii``) is built when an event or transaction is sent. The body is never
read on the application's behalf: the ``http.request`` messages the application receives
are kept (up to ``max_request_body_size``) and parsed (JSON, url-encoded form) only for an
error event.
"""

from __future__ import annotations

import sys

from sentry_lite.integrations import capture_exc
from sentry_lite.integrations._http_common import (
    BODY_LIMITS,
    DEFAULT_HTTP_METHODS_TO_CAPTURE,
    FILTERED,
    RAW,
    SOURCE_COMPONENT,
    SOURCE_ROUTE,
    TOO_LARGE,
    build_request,
    build_url,
    check_style,
    client_ip,
    methods,
    parse_json,
    status_codes,
)
from sentry_lite.integrations._http_request import Framework, ServerRequest, Settings
from sentry_lite.scope import get_client

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableMapping
    from typing import Any

    AsgiScope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]
    AsgiApp = Callable[[AsgiScope, Receive, Send], Awaitable[None]]
    Asgi2App = Callable[[AsgiScope], Callable[[Receive, Send], Awaitable[None]]]

    from sentry_lite.types import Event, Hint

# The ASGI scope key under which a request's state is kept (nested middlewares find it).
STATE_KEY = "sentry_lite.request"
TRANSACTION_STYLES = ("endpoint", "url")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_TRACE = b"sentry-trace"
_BAGGAGE = b"baggage"
_FORM = "application/x-www-form-urlencoded"

def asgi_headers(pairs: Any) -> dict[str, str]:
    """The request headers of an ASGI scope, named as the server gave them (lower case, as
    the official SDK sends them; repeats joined)."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in pairs or ():
        name = raw_name.decode("latin-1")
        value = raw_value.decode("latin-1")
        if name in headers:
            joiner = "; " if name == "cookie" else ", "
            headers[name] = headers[name] + joiner + value
        else:
            headers[name] = value
    return headers


def trace_carrier(pairs: Any) -> dict[str, str]:
    """Only the ``sentry-trace`` and ``baggage`` headers (one pass over raw pairs)."""
    carrier: dict[str, str] = {}
    for name, value in pairs or ():
        if name == _TRACE:
            carrier["sentry-trace"] = value.decode("latin-1")
        elif name == _BAGGAGE:
            old = carrier.get("baggage")
            text = value.decode("latin-1")
            carrier["baggage"] = f"{old},{text}" if old else text
    return carrier


def route_name(asgi_scope: AsgiScope, style: str, app_root: str) -> tuple[str, str] | None:
    """(name, source) from what a router left in the scope, or None."""
    if style == "endpoint":
        endpoint = asgi_scope.get("endpoint")
        if endpoint is not None:
            return endpoint_name(endpoint), SOURCE_COMPONENT
        return None
    route = asgi_scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return None
    # A route inside a mounted application: the mount's matched prefix first.
    root = asgi_scope.get("root_path") or ""
    prefix = root[len(app_root):] if root.startswith(app_root) else ""
    return prefix + path, SOURCE_ROUTE


def url_name(asgi_scope: AsgiScope) -> str:
    """The name of a request no router named: its URL, as the official SDK builds it.

    Scheme, the server's own address (the port unless the scheme's default) and the full
    path; not the Host header, which the client chooses.
    """
    websocket = asgi_scope.get("type") == "websocket"
    scheme = asgi_scope.get("scheme") or ("ws" if websocket else "http")
    path = (asgi_scope.get("root_path") or "") + (asgi_scope.get("path") or "/")
    server = asgi_scope.get("server")
    if not server:
        return path
    host, port = server[0], server[1]
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}{path}"
    return f"{scheme}://{host}:{port}{path}"


def endpoint_name(endpoint: Any) -> str:
    func = getattr(endpoint, "func", None)  # functools.partial
    if func is not None:
        endpoint = func
    qualname = getattr(endpoint, "__qualname__", None) or type(endpoint).__qualname__
    module = getattr(endpoint, "__module__", None)
    return f"{module}.{qualname}" if module else str(qualname)


class AsgiFramework(Framework):
    """The body and user of an ASGI request, from what the application received."""

    __slots__ = ()

    def body(self, state: ServerRequest) -> Any:
        assert isinstance(state, AsgiRequest)
        return state.body()

    def user(self, state: ServerRequest, is_error: bool) -> dict[str, Any] | None:
        assert isinstance(state, AsgiRequest)
        return scope_user(state.asgi_scope)


ASGI_FRAMEWORK = AsgiFramework()


def scope_user(asgi_scope: AsgiScope) -> dict[str, Any] | None:
    """``scope["user"]`` as authentication middlewares (Starlette's) leave it."""
    user = asgi_scope.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        name = user.display_name
    except Exception:
        return None
    return {"username": str(name)} if name else None


class AsgiRequest(ServerRequest):
    """A request (or WebSocket connection) arriving through ASGI."""

    __slots__ = ("app_root", "asgi_scope", "chunks", "handled_error", "size", "style")

    def __init__(
        self, client: Any, settings: Settings, asgi_scope: AsgiScope, style: str
    ) -> None:
        self.asgi_scope = asgi_scope
        self.style = style
        self.app_root = asgi_scope.get("root_path") or ""
        self.chunks: list[bytes] | None = None
        self.size = 0
        self.handled_error: Any = None  # an exception a framework handler turned into a response
        websocket = asgi_scope["type"] == "websocket"
        method = "GET" if websocket else str(asgi_scope.get("method") or "GET").upper()
        super().__init__(
            client,
            settings,
            method,
            url_name(asgi_scope),
            trace_carrier(asgi_scope.get("headers")),
            {"asgi_scope": asgi_scope},
        )
        self.framework = ASGI_FRAMEWORK
        tx = self.transaction
        if tx is not None:
            tx.set_tag("asgi.type", asgi_scope["type"])  # as the official middleware tags it
            if websocket:
                tx.op = "websocket.server"

    # -- naming --------------------------------------------------------------------

    def name_from_route(self) -> None:
        if self.route_name is not None:
            return
        try:
            found = route_name(self.asgi_scope, self.style, self.app_root)
        except Exception:
            found = None
        if found is not None:
            self.set_name(*found)

    def process(self, event: Any, hint: Any) -> Any:
        self.name_from_route()
        if "exception" in event and not self.client.options.send_default_pii:
            try:
                scrub_scope_locals(event)
            except Exception:
                pass
        return super().process(event, hint)

    def finish(self, error: bool = False) -> None:
        self.name_from_route()
        pending = self.handled_error
        if (
            pending is not None
            and not self.reported
            and self.status in self.settings.failed_codes
        ):
            self.capture_handled(pending)
        tx = self.transaction
        if tx is not None and self.status is None and not error and tx.op == "websocket.server":
            tx.status = "ok"  # a WebSocket session that ended normally
        super().finish(error)

    def capture_handled(self, exc: BaseException) -> None:
        """Report an exception a framework handler answered with a failed status."""
        self.reported = True
        capture_exc(
            (type(exc), exc, exc.__traceback__),
            {"type": self.settings.mechanism, "handled": True},
        )

    def adopt(self, settings: Settings, style: str) -> None:
        """An inner integration (a framework's) knows better how to report this request."""
        self.settings = settings
        self.style = style

    # -- the body --------------------------------------------------------------------

    def record(self, message: Message) -> None:
        """Keep what the application received of the body, within the size limit."""
        chunk = message.get("body") or b""
        chunks = self.chunks
        if chunks is None:
            chunks = self.chunks = []
        if not chunk:
            return
        self.size += len(chunk)
        limit = BODY_LIMITS.get(self.client.options.max_request_body_size, 10_000)
        if limit is not None and self.size > limit:
            chunks.clear()
        else:
            chunks.append(chunk)

    def body(self) -> Any:
        """``request.data``: parsed JSON or form, TOO_LARGE, RAW, or None (nothing read)."""
        chunks = self.chunks
        if chunks is None or not self.size:
            return None
        if not chunks:
            return TOO_LARGE
        raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        content_type = self._header(b"content-type")
        value = parse_json(raw, content_type)
        if value is not None:
            return value
        if content_type and content_type.split(";", 1)[0].strip().lower() == _FORM:
            return _form(raw)
        return RAW

    def _header(self, wanted: bytes) -> str | None:
        for name, value in self.asgi_scope.get("headers") or ():
            if name == wanted:
                return str(value.decode("latin-1"))
        return None

    # -- event data ------------------------------------------------------------------

    def base_request(self) -> dict[str, Any]:
        scope = self.asgi_scope
        headers = asgi_headers(scope.get("headers"))
        websocket = scope["type"] == "websocket"
        scheme = scope.get("scheme") or ("ws" if websocket else "http")
        host = headers.get("host")
        if not host:
            server = scope.get("server")
            host = f"{server[0]}:{server[1]}" if server and server[1] else "localhost"
        query = scope.get("query_string") or b""
        env: dict[str, str] = {}
        return build_request(
            self.method,
            build_url(scheme, host, scope.get("path") or "/"),
            query.decode("latin-1") if isinstance(query, bytes) else str(query),
            headers,
            env,
            bool(self.client.options.send_default_pii),
            self._peer(),
        )

    def _peer(self) -> str | None:
        peer = self.asgi_scope.get("client")
        return str(peer[0]) if peer else None

    def client_address(self) -> str | None:
        base = self._request
        headers = base.get("headers", {}) if base is not None else {}
        return client_ip(headers, self._peer())


_SCOPE_PII = ("client", "headers", "state")


def scrub_scope_locals(event: Any) -> None:
    """Filter the client's address and the headers of ASGI scopes held in frame locals.

    Every ASGI application and middleware frame has the connection's ``scope`` as a local;
    its ``client``, ``headers`` (cookies, ``Authorization``) and ``state`` (where frameworks
    such as Litestar keep the request body) are personal data.
    """
    for value in (event.get("exception") or {}).get("values") or ():
        for frame in (value.get("stacktrace") or {}).get("frames") or ():
            for local in (frame.get("vars") or {}).values():
                if isinstance(local, dict) and "asgi" in local and "type" in local:
                    for key in _SCOPE_PII:
                        if key in local:
                            local[key] = FILTERED


def _form(raw: bytes) -> dict[str, Any]:
    from urllib.parse import parse_qs

    parsed = parse_qs(raw.decode("latin-1"), keep_blank_values=True)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


# -- running an application -------------------------------------------------------------


async def run_asgi(
    app: AsgiApp,
    asgi_scope: AsgiScope,
    receive: Receive,
    send: Send,
    settings: Settings,
    style: str,
) -> None:
    """Call ``app`` for one connection, reporting it."""
    kind = asgi_scope.get("type")
    client = get_client()
    if kind not in ("http", "websocket") or not client.is_active():
        if kind == "lifespan" and client.is_active():
            await _run_lifespan(app, asgi_scope, receive, send, settings)
            return
        await app(asgi_scope, receive, send)
        return
    outer = asgi_scope.get(STATE_KEY)
    if outer is not None:
        outer.adopt(settings, style)
        await app(asgi_scope, receive, send)
        return
    state = AsgiRequest(client, settings, asgi_scope, style)
    asgi_scope[STATE_KEY] = state
    tokens = state.enter()
    try:
        await app(asgi_scope, _recording(receive, state), _watching(send, state))
    except Exception:
        state.name_from_route()
        state.capture(sys.exc_info())
        state.finish(error=True)
        raise
    except BaseException:
        state.finish(error=True)
        raise
    else:
        state.finish()
    finally:
        state.leave(tokens)
        asgi_scope.pop(STATE_KEY, None)  # the scope and the state no longer hold each other


def _recording(receive: Receive, state: AsgiRequest) -> Receive:
    if BODY_LIMITS.get(state.client.options.max_request_body_size, 1) == 0:
        return receive

    async def receive_recording() -> Message:
        message = await receive()
        if message.get("type") == "http.request":
            try:
                state.record(message)
            except Exception:
                pass
        return message

    return receive_recording


def _watching(send: Send, state: AsgiRequest) -> Send:
    def send_watching(message: Message) -> Awaitable[None]:
        if message.get("type") == "http.response.start":
            state.status = message.get("status")
            state.name_from_route()
        return send(message)

    return send_watching


async def _run_lifespan(
    app: AsgiApp, asgi_scope: AsgiScope, receive: Receive, send: Send, settings: Settings
) -> None:
    try:
        await app(asgi_scope, receive, send)
    except Exception:
        capture_exc(sys.exc_info(), {"type": settings.mechanism, "handled": False})
        raise


class SentryAsgiMiddleware:
    """Wrap an ASGI application: ``app = SentryAsgiMiddleware(app)`` (ASGI 3, or ASGI 2 when
    ``asgi_version=2`` or the application looks like one)."""

    __slots__ = ("app", "asgi_version", "root_path_in_path", "settings", "transaction_style")

    def __init__(
        self,
        app: AsgiApp | Asgi2App,
        unsafe_context_data: bool = False,
        transaction_style: str = "endpoint",
        mechanism_type: str = "asgi",
        span_origin: str = "manual",
        http_methods_to_capture: Any = DEFAULT_HTTP_METHODS_TO_CAPTURE,
        asgi_version: int | None = None,
        root_path_in_path: Any = "excluded",
        *,
        failed_request_status_codes: Any = None,
    ) -> None:
        from sentry_lite.integrations._asgi_compat import _looks_like_asgi3, asgi2_adapter

        if asgi_version is None:
            asgi_version = 3 if _looks_like_asgi3(app) else 2
        self.asgi_version = asgi_version
        # the caller's asgi_version (or the look of the app) says which of the two it is
        adapted: Any = app if asgi_version == 3 else asgi2_adapter(app)
        self.app: AsgiApp = adapted
        self.transaction_style = check_style(transaction_style, TRANSACTION_STYLES)
        self.root_path_in_path = root_path_in_path
        self.settings = Settings(
            mechanism_type,
            span_origin,
            methods(http_methods_to_capture),
            status_codes(failed_request_status_codes),
        )

    @property
    def mechanism_type(self) -> str:
        return self.settings.mechanism

    @property
    def span_origin(self) -> str:
        return self.settings.origin

    @property
    def http_methods_to_capture(self) -> tuple[str, ...]:
        return tuple(sorted(self.settings.methods))

    def event_processor(self, event: Event, hint: Hint, asgi_scope: Any) -> Event | None:
        """Add the request of ``asgi_scope`` (and a transaction name if none) to ``event``."""
        from sentry_lite.integrations._asgi_compat import event_processor

        result: Event | None = event_processor(self, event, hint, asgi_scope)
        return result

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        await run_asgi(self.app, scope, receive, send, self.settings, self.transaction_style)


def __getattr__(name: str) -> Any:
    # Helpers and re-exports of the official module that third-party code imports.
    from sentry_lite.integrations._asgi_compat import lookup

    return lookup(name)


__all__ = [
    "STATE_KEY",
    "AsgiRequest",
    "SentryAsgiMiddleware",
    "asgi_headers",
    "endpoint_name",
    "route_name",
    "run_asgi",
    "url_name",
]
