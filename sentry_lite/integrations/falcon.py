"""Falcon: every request of every (WSGI) ``falcon.App`` is reported as the WSGI middleware does.

``falcon.App.__call__`` runs the application through
:func:`~sentry_lite.integrations.wsgi.run_wsgi` (an isolation scope per request, the incoming
trace continued, an ``http.server`` transaction when tracing). On top of that:

- the transaction is named after the matched route: its URI template
  (``transaction_style="uri_template"``, the default, source ``route``) or the request's
  path (``"path"``, source ``url``), as soon as Falcon's router has found the responder;
- an exception that Falcon turns into a 5xx response is captured from
  ``App._handle_exception`` (``mechanism: falcon, handled: false``): any exception that is
  not one of Falcon's HTTP errors, and an ``HTTPError`` whose status is in
  ``failed_request_status_codes`` (500-599 by default);
- error events carry the request's JSON (or other media) when the application has already
  read it (``req.media``); the SDK never reads the stream itself.

ASGI applications (``falcon.asgi.App``) are left alone, as the official SDK does.
"""

from __future__ import annotations

import sys

from sentry_lite.integrations import DidNotEnable, Integration, active, patch
from sentry_lite.integrations._http_common import (
    DEFAULT_HTTP_METHODS_TO_CAPTURE,
    RAW,
    SOURCE_ROUTE,
    SOURCE_URL,
    TOO_LARGE,
    body_allowed,
    check_style,
    content_length,
    methods,
    status_codes,
    status_of,
    wants_body,
)
from sentry_lite.integrations._http_request import Framework, Settings
from sentry_lite.integrations.wsgi import STATE_KEY, run_wsgi

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from sentry_lite.integrations._http_request import ServerRequest

IDENTIFIER = "falcon"
ORIGIN = "auto.http.falcon"
SOURCES = {"uri_template": SOURCE_ROUTE, "path": SOURCE_URL}


class FalconIntegration(Integration):
    """Report Falcon requests: errors, request data, transactions named after routes."""

    identifier = IDENTIFIER
    origin = ORIGIN

    def __init__(
        self,
        transaction_style: str = "uri_template",
        *,
        http_methods_to_capture: Iterable[str] = DEFAULT_HTTP_METHODS_TO_CAPTURE,
        failed_request_status_codes: Any = None,
    ) -> None:
        self.transaction_style = check_style(transaction_style, SOURCES)
        self.settings = Settings(
            IDENTIFIER,
            ORIGIN,
            methods(http_methods_to_capture),
            status_codes(failed_request_status_codes),
        )

    @staticmethod
    def setup_once() -> None:
        try:
            import falcon
        except ImportError as exc:
            raise DidNotEnable(f"Falcon is not installed: {exc}") from None
        app_class = getattr(falcon, "App", None)
        if app_class is None:
            raise DidNotEnable("Falcon 3 or newer is needed (falcon.App)")
        _patch_call(app_class)
        _patch_get_responder(app_class)
        _patch_handle_exception(app_class, falcon)


def _patch_call(app_class: Any) -> None:
    original = app_class.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        integration = active(IDENTIFIER)
        if integration is None:
            return original(self, environ, start_response)
        return run_wsgi(original.__get__(self), environ, start_response,
                        integration.settings, FALCON)

    patch(IDENTIFIER, app_class, "__call__", __call__)


def _state(req: Any) -> ServerRequest | None:
    env = getattr(req, "env", None)  # WSGI requests only
    return env.get(STATE_KEY) if isinstance(env, dict) else None


def _patch_get_responder(app_class: Any) -> None:
    original = app_class._get_responder

    def _get_responder(self: Any, req: Any) -> Any:
        found = original(self, req)
        state = _state(req)
        integration = active(IDENTIFIER)
        if state is not None and integration is not None:
            state.native = req
            style = integration.transaction_style
            name = found[3] if style == "uri_template" else req.path
            if isinstance(name, str):
                state.set_name(name, SOURCES[style])
        return found

    patch(IDENTIFIER, app_class, "_get_responder", _get_responder)


def _patch_handle_exception(app_class: Any, falcon: Any) -> None:
    original = app_class._handle_exception
    http_errors = (falcon.HTTPError, falcon.HTTPStatus)

    def _handle_exception(self: Any, req: Any, resp: Any, ex: Any, params: Any) -> Any:
        handled = original(self, req, resp, ex, params)
        state = _state(req)
        if state is None or active(IDENTIFIER) is None:
            return handled
        status = status_of(getattr(resp, "status", None))
        if status is None:
            return handled
        if isinstance(ex, http_errors):
            report = isinstance(ex, falcon.HTTPError) and status in state.settings.failed_codes
        else:
            report = status >= 500
        if report:
            state.capture((type(ex), ex, ex.__traceback__))
        return handled

    patch(IDENTIFIER, app_class, "_handle_exception", _handle_exception)


class _FalconData(Framework):
    """The body of a Falcon request: its media, when the application has parsed it."""

    __slots__ = ()

    def body(self, state: ServerRequest) -> Any:
        req = state.native
        if req is None:
            return None
        options = state.client.options
        length = content_length(req.content_length)
        if not length or not wants_body(options):
            return None
        if not body_allowed(options, length):
            return TOO_LARGE
        media = getattr(req, "_media", None)
        unset = getattr(sys.modules.get("falcon.request"), "_UNSET", None)
        if media is None or media is unset:
            return RAW  # the stream is the application's: not read on its behalf
        return media


FALCON = _FalconData()

__all__ = ["FalconIntegration"]
