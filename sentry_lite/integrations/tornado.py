"""Tornado: every request a ``RequestHandler`` serves is reported, named after the handler.

``TornadoIntegration`` switches on by itself when the application imports Tornado. Two
class-level patches of ``RequestHandler`` (handlers created before ``init()`` are covered):

- ``_execute`` runs the handler inside the request's own isolation scope (forks taken when
  the request reaches its handler), continues the trace of incoming ``sentry-trace`` /
  ``baggage`` headers and, with tracing on, is an ``http.server`` transaction named after
  the handler method that serves the request (``module.MainHandler.get``, source
  ``component``, as the official SDK names it); its status is the handler's response
  status, and a status in ``failed_request_status_codes`` (500-599 by default) that no
  captured error explains is reported as an error event;
- ``log_exception`` captures the exceptions Tornado logs as uncaught (``mechanism:
  tornado, handled: false``); ``HTTPError`` is the application's own answer and is not.

Error events carry the request Tornado already read: form fields (files by name only) or
JSON within ``max_request_body_size``. With ``send_default_pii`` they carry cookies, the
client's address and ``user.is_authenticated`` when the handler's ``current_user`` is set.
"""

from __future__ import annotations

from sentry_lite.integrations import (
    DidNotEnable,
    Integration,
    active,
    capture_exc,
    on_uninstall,
    patch,
)
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
from sentry_lite.integrations.asgi import endpoint_name
from sentry_lite.scope import get_client

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from sentry_lite.types import ExcInfo

IDENTIFIER = "tornado"
ORIGIN = "auto.http.tornado"
_STATE = "_sentry_lite_request"


class TornadoIntegration(Integration):
    """Report Tornado requests: errors, request data, transactions named after handlers."""

    identifier = IDENTIFIER
    origin = ORIGIN

    def __init__(
        self,
        *,
        http_methods_to_capture: Iterable[str] = DEFAULT_HTTP_METHODS_TO_CAPTURE,
        failed_request_status_codes: Any = None,
    ) -> None:
        self.settings = Settings(
            IDENTIFIER,
            ORIGIN,
            methods(http_methods_to_capture),
            status_codes(failed_request_status_codes),
        )

    @staticmethod
    def setup_once() -> None:
        try:
            from tornado.web import RequestHandler
        except ImportError as exc:
            raise DidNotEnable(f"Tornado is not installed: {exc}") from None
        _patch_execute(RequestHandler)
        _patch_log_exception(RequestHandler)
        _quiet_access_log()


class TornadoRequest(ServerRequest):
    """A request served by a Tornado ``RequestHandler``."""

    __slots__ = ("handler",)

    def __init__(self, client: Any, settings: Settings, handler: Any) -> None:
        self.handler = handler
        request = handler.request
        headers = request.headers
        trace = headers.get("sentry-trace")
        carrier = None if trace is None else {"sentry-trace": trace,
                                              "baggage": headers.get("baggage")}
        super().__init__(
            client, settings, request.method or "GET", request.path or "/", carrier,
            {"tornado_request": request},
        )
        self.framework = TORNADO
        self.native = request
        method = getattr(handler, (request.method or "get").lower(), None)
        if method is not None:
            self.set_name(endpoint_name(method), SOURCE_COMPONENT)

    def base_request(self) -> dict[str, Any]:
        request = self.native
        return build_request(
            self.method,
            build_url(request.protocol, request.host, request.path),
            request.query,
            dict(request.headers),
            {},
            bool(self.client.options.send_default_pii),
            request.remote_ip,
        )

    def client_address(self) -> str | None:
        base = self._request
        headers = base.get("headers", {}) if base is not None else {}
        return client_ip(headers, self.native.remote_ip)


def _patch_execute(handler_class: Any) -> None:
    original = handler_class._execute

    async def _execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        integration = active(IDENTIFIER)
        if integration is None:
            return await original(self, *args, **kwargs)
        state = TornadoRequest(get_client(), integration.settings, self)
        vars(self)[_STATE] = state
        tokens = state.enter()
        try:
            result = await original(self, *args, **kwargs)
        except BaseException:
            _finish(state, self, error=True)
            raise
        else:
            _finish(state, self)
            return result
        finally:
            state.leave(tokens)
            vars(self).pop(_STATE, None)  # the handler and the state no longer hold each other

    patch(IDENTIFIER, handler_class, "_execute", _execute)


def _finish(state: TornadoRequest, handler: Any, error: bool = False) -> None:
    try:
        state.response_status(handler.get_status())
    except Exception:
        pass
    state.finish(error)


def _patch_log_exception(handler_class: Any) -> None:
    original = handler_class.log_exception

    def log_exception(self: Any, typ: Any, value: Any, tb: Any, *args: Any, **kw: Any) -> Any:
        if active(IDENTIFIER) is not None:
            _capture(self, (typ, value, tb))
        return original(self, typ, value, tb, *args, **kw)

    patch(IDENTIFIER, handler_class, "log_exception", log_exception)


def _capture(handler: Any, exc_info: ExcInfo) -> None:
    from tornado.web import HTTPError

    if isinstance(exc_info[1], HTTPError):
        return  # the application's own answer: its status tells whether it failed
    state = vars(handler).get(_STATE)
    if state is not None:
        state.capture(exc_info)
    else:
        capture_exc(exc_info, {"type": IDENTIFIER, "handled": False})


def _quiet_access_log() -> None:
    # Tornado's access log records every request (5xx at error level): not events.
    from sentry_lite.integrations import logging as logging_integration

    if "tornado.access" in logging_integration._ignored:
        return
    logging_integration.ignore_logger("tornado.access")
    on_uninstall(IDENTIFIER, lambda: logging_integration._ignored.discard("tornado.access"))


class _TornadoData(Framework):
    """The body and user of a Tornado request (Tornado has read the body already)."""

    __slots__ = ()

    def body(self, state: ServerRequest) -> Any:
        request = state.native
        raw = request.body or b""
        options = state.client.options
        if not raw or not wants_body(options):
            return None
        if not body_allowed(options, len(raw)):
            return TOO_LARGE
        form = {
            key: [v.decode("latin-1", "replace") for v in values]
            for key, values in (request.body_arguments or {}).items()
        }
        form = {k: v[0] if len(v) == 1 else v for k, v in form.items()}
        json_value = parse_json(raw, request.headers.get("Content-Type"))
        return body_from_parts(form, list(request.files or ()), json_value, has_raw=True)

    def user(self, state: ServerRequest, is_error: bool) -> dict[str, Any] | None:
        handler = getattr(state, "handler", None)
        try:
            current_user = handler.current_user if handler is not None else None
        except Exception:
            return None
        return {"is_authenticated": True} if current_user else None


TORNADO = _TornadoData()

__all__ = ["TornadoIntegration"]
