"""Sanic: every request a ``Sanic`` app handles is reported, named after its route.

``SanicIntegration`` switches on by itself when the application imports Sanic. When an app
starts (Sanic's own server or ASGI mode with lifespan events; apps that started before
``init()`` are not covered), two of Sanic's signals are connected
(the methods Sanic recompiles at startup cannot be patched):

- from ``http.lifecycle.request`` to ``http.lifecycle.response`` the request runs inside
  its own isolation scope (forks taken when the request arrives), continues the trace of
  incoming ``sentry-trace`` / ``baggage`` headers and, with tracing on, is an
  ``http.server`` transaction named after the matched route (its name without the app's
  prefix, source ``component``, as the official SDK names it; the path, source ``url``,
  when nothing matched). Its status is the response's; a status in ``unsampled_statuses``
  (404 by default) leaves the transaction unsent, and one in
  ``failed_request_status_codes`` (500-599) that no captured error explains is reported.

``ErrorHandler.lookup`` (where Sanic looks for the handler of an exception) captures the
exception Sanic is about to answer (``mechanism: sanic, handled: false``), except Sanic's
"quiet" ones (``NotFound``...), whose status alone tells whether the request failed.

Error events carry the body Sanic has read: form fields (files by name only) or JSON within
``max_request_body_size``; cookies and the client's address only with ``send_default_pii``.
"""

from __future__ import annotations

from contextvars import ContextVar

from sentry_lite.integrations import DidNotEnable, Integration, active, patch
from sentry_lite.integrations._http_common import (
    DEFAULT_HTTP_METHODS_TO_CAPTURE,
    SOURCE_COMPONENT,
    TOO_LARGE,
    body_allowed,
    body_from_parts,
    build_request,
    build_url,
    client_ip,
    methods,
    parse_json,
    status_codes,
    wants_body,
)
from sentry_lite.integrations._http_request import Framework, ServerRequest, Settings
from sentry_lite.scope import get_client

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Container, Iterable
    from typing import Any

IDENTIFIER = "sanic"
ORIGIN = "auto.http.sanic"


class SanicIntegration(Integration):
    """Report Sanic requests: errors, request data, transactions named after routes."""

    identifier = IDENTIFIER
    origin = ORIGIN

    def __init__(
        self,
        unsampled_statuses: Container[int] | None = frozenset({404}),
        *,
        http_methods_to_capture: Iterable[str] = DEFAULT_HTTP_METHODS_TO_CAPTURE,
        failed_request_status_codes: Any = None,
    ) -> None:
        self._unsampled_statuses: Container[int] = unsampled_statuses or frozenset()
        self.settings = Settings(
            IDENTIFIER,
            ORIGIN,
            methods(http_methods_to_capture),
            status_codes(failed_request_status_codes),
        )

    @staticmethod
    def setup_once() -> None:
        try:
            from sanic import Sanic, __version__
        except ImportError as exc:
            raise DidNotEnable(f"Sanic is not installed: {exc}") from None
        if _version(__version__) < (21, 9):
            raise DidNotEnable(f"Sanic {__version__} is too old: 21.9 or newer is needed")
        from sanic.handlers import ErrorHandler

        _patch_startup(Sanic)
        _patch_lookup(ErrorHandler)


class SanicRequest(ServerRequest):
    """A request handled by a Sanic app."""

    __slots__ = ("unsampled",)

    def __init__(self, client: Any, integration: SanicIntegration, request: Any) -> None:
        self.unsampled = integration._unsampled_statuses
        headers = request.headers
        trace = headers.get("sentry-trace")
        carrier = None if trace is None else {"sentry-trace": trace,
                                              "baggage": headers.get("baggage")}
        super().__init__(client, integration.settings, request.method or "GET",
                         request.path or "/", carrier, {"sanic_request": request})
        self.framework = SANIC
        self.native = request

    def name_from_route(self) -> None:
        if self.route_name is not None:
            return
        request = self.native
        route = getattr(request, "route", None)
        name = getattr(route, "name", None)
        if not isinstance(name, str):
            return
        app_name = getattr(getattr(request, "app", None), "name", "")
        if app_name and name.startswith(app_name + "."):
            name = name[len(app_name) + 1:]
        self.set_name(name, SOURCE_COMPONENT)

    def process(self, event: Any, hint: Any) -> Any:
        self.name_from_route()
        return super().process(event, hint)

    def finish(self, error: bool = False) -> None:
        self.name_from_route()
        tx = self.transaction
        if tx is not None and self.status in self.unsampled:
            tx.sampled = False
        super().finish(error)

    def base_request(self) -> dict[str, Any]:
        request = self.native
        return build_request(
            self.method,
            build_url(request.scheme, request.host, request.path),
            request.query_string,
            _headers(request.headers),
            {},
            bool(self.client.options.send_default_pii),
            request.remote_addr or request.ip,
        )

    def client_address(self) -> str | None:
        base = self._request
        headers = base.get("headers", {}) if base is not None else {}
        return client_ip(headers, self.native.remote_addr or self.native.ip)


# The request this task is in (Sanic's own server serves a connection's requests one after
# another in one task; ASGI mode one request per task).
_active: ContextVar[tuple[SanicRequest, Any] | None] = ContextVar("sentry_lite_sanic", default=None)


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def _headers(multidict: Any) -> dict[str, str]:
    """Sanic's headers by their usual names (``str.title`` gives plain ``str`` keys)."""
    headers: dict[str, str] = {}
    for name, value in multidict.items():
        key = name.title()
        headers[key] = f"{headers[key]}, {value}" if key in headers else str(value)
    return headers


def _patch_startup(sanic_class: Any) -> None:
    original = sanic_class._startup

    async def _startup(self: Any) -> None:
        if active(IDENTIFIER) is not None:
            # Sanic recompiles some of its methods at startup: its signals are the hooks
            # that survive, and they must be declared before the original startup.
            self.signal("http.lifecycle.request")(_request_started)
            self.signal("http.lifecycle.response")(_response_ready)
        await original(self)

    patch(IDENTIFIER, sanic_class, "_startup", _startup)


async def _request_started(request: Any) -> None:
    _leave_stale()
    integration = active(IDENTIFIER)
    if integration is None:
        return
    state = SanicRequest(get_client(), integration, request)
    tokens = state.enter()
    _active.set((state, tokens))


async def _response_ready(request: Any, response: Any) -> None:
    entry = _active.get()
    if entry is None or entry[0].native is not request:
        return
    state, tokens = entry
    status = getattr(response, "status", None)
    state.response_status(status if isinstance(status, int) else None)
    try:
        state.finish()
    finally:
        _active.set(None)
        state.leave(tokens)


def _leave_stale() -> None:
    """A request whose response never came (the connection broke): leave its scopes."""
    entry = _active.get()
    if entry is not None:
        _active.set(None)
        entry[0].finish(error=True)
        entry[0].leave(entry[1])


def _patch_lookup(handler_class: Any) -> None:
    original = handler_class.lookup

    def lookup(self: Any, exception: Any, *args: Any, **kwargs: Any) -> Any:
        entry = _active.get()
        if (
            entry is not None
            and isinstance(exception, Exception)
            and not getattr(exception, "quiet", False)
            and active(IDENTIFIER) is not None
        ):
            entry[0].capture((type(exception), exception, exception.__traceback__))
        return original(self, exception, *args, **kwargs)

    patch(IDENTIFIER, handler_class, "lookup", lookup)


class _SanicData(Framework):
    """The body of a Sanic request (Sanic has read it before the handler runs)."""

    __slots__ = ()

    def body(self, state: ServerRequest) -> Any:
        request = state.native
        raw = request.body or b""
        options = state.client.options
        if not raw or not wants_body(options):
            return None
        if not body_allowed(options, len(raw)):
            return TOO_LARGE
        content_type = request.headers.get("content-type")
        json_value = parse_json(raw, content_type)
        if json_value is not None:
            return json_value
        form = request.form or {}
        files = list(request.files or ())
        return body_from_parts({k: v[0] if len(v) == 1 else v for k, v in form.items()},
                               files, has_raw=True)


SANIC = _SanicData()

__all__ = ["SanicIntegration"]
