"""Django: requests through Django's WSGI (and ASGI) handler are reported.

- ``WSGIHandler.__call__`` runs through :func:`~sentry_lite.integrations.wsgi.run_wsgi`
  and ``ASGIHandler.__call__`` through :func:`~sentry_lite.integrations.asgi.run_asgi`:
  an isolation scope per request, the incoming trace continued, an ``http.server``
  transaction when tracing, failed statuses reported;
- the transaction is named when Django resolves the URL (``BaseHandler.resolve_request``):
  after the URL pattern (``transaction_style="url"``: ``/users/{pk}/``, source
  ``route``) or the view (``"function_name"``: ``app.views.detail``, source
  ``component``);
- unhandled exceptions are captured from Django's ``got_request_exception`` signal
  (``mechanism: django, handled: false``);
- error events carry the body (within ``max_request_body_size``) and, with
  ``send_default_pii``, the user (id, username, email);
- with tracing, middleware (``middleware_spans``) and template rendering get spans.

Django's modules are patched when the application imports them (never imported here), so
the integration costs nothing to a process that only imported ``django``.
"""

from __future__ import annotations

import sys

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
    SOURCE_ROUTE,
    check_style,
    methods,
    status_codes,
)
from sentry_lite.integrations._http_request import Settings
from sentry_lite.integrations._importhook import when_imported
from sentry_lite.integrations.django._data import DJANGO, request_processor
from sentry_lite.integrations.django._db import patch_connect, patch_cursor
from sentry_lite.integrations.django._naming import route_name, view_name
from sentry_lite.integrations.django._spans import timed_render, wrap_middleware
from sentry_lite.integrations.wsgi import STATE_KEY, run_wsgi
from sentry_lite.scope import get_client, get_current_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import ModuleType
    from typing import Any

    from sentry_lite.integrations._http_request import ServerRequest
    from sentry_lite.types import ExcInfo, Mechanism

IDENTIFIER = "django"
ORIGIN = "auto.http.django"
SOURCES = {"url": SOURCE_ROUTE, "function_name": SOURCE_COMPONENT}


class DjangoIntegration(Integration):
    """Report Django requests: errors, request data, named transactions, spans."""

    identifier = IDENTIFIER
    origin = ORIGIN

    def __init__(
        self,
        transaction_style: str = "url",
        middleware_spans: bool = True,
        signals_spans: bool = True,
        cache_spans: bool = False,
        db_transaction_spans: bool = False,
        signals_denylist: Any = None,
        http_methods_to_capture: Iterable[str] = DEFAULT_HTTP_METHODS_TO_CAPTURE,
        failed_request_status_codes: Any = None,
    ) -> None:
        # signals_spans, cache_spans, db_transaction_spans and signals_denylist are
        # accepted for code written for the official SDK; they have no effect (yet): asking
        # for what they would add warns.
        for name, value in (("cache_spans", cache_spans),
                            ("db_transaction_spans", db_transaction_spans),
                            ("signals_denylist", signals_denylist)):
            if value:
                from sentry_lite._options import warn_inert_argument

                warn_inert_argument("DjangoIntegration", name, value)
        self.transaction_style = check_style(transaction_style, SOURCES)
        self.middleware_spans = bool(middleware_spans)
        self.signals_spans = bool(signals_spans)
        self.cache_spans = bool(cache_spans)
        self.db_transaction_spans = bool(db_transaction_spans)
        self.signals_denylist = list(signals_denylist or ())
        self.settings = Settings(
            IDENTIFIER,
            ORIGIN,
            methods(http_methods_to_capture),
            status_codes(failed_request_status_codes),
        )

    @staticmethod
    def setup_once() -> None:
        try:
            import django
        except ImportError as exc:
            raise DidNotEnable(f"Django is not installed: {exc}") from None
        if getattr(django, "VERSION", (0,)) < (3, 2):
            raise DidNotEnable("Django 3.2 or later is needed")
        from sentry_lite.integrations.logging import ignore_logger

        # Their records repeat what this integration reports (errors, failed statuses).
        ignore_logger("django.server")
        ignore_logger("django.request")
        for module, patcher in (
            ("django.core.handlers.base", _patch_base),
            ("django.core.handlers.wsgi", _patch_wsgi),
            ("django.core.handlers.asgi", _patch_asgi),
            ("django.core.signals", _connect_signals),
            ("django.template.base", _patch_templates),
            ("django.db.backends.utils", patch_cursor),
            ("django.db.backends.base.base", patch_connect),
        ):
            when_imported(module, patcher, IDENTIFIER)


# -- the handlers ---------------------------------------------------------------------


def _patch_wsgi(module: ModuleType) -> None:
    handler = module.WSGIHandler
    original = handler.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        integration = active(IDENTIFIER)
        if integration is None:
            return original(self, environ, start_response)
        return run_wsgi(
            original.__get__(self), environ, start_response, integration.settings, DJANGO
        )

    patch(IDENTIFIER, handler, "__call__", __call__)


def _patch_asgi(module: ModuleType) -> None:
    handler = module.ASGIHandler
    original = handler.__call__

    async def __call__(self: Any, scope: Any, receive: Any, send: Any) -> None:
        integration = active(IDENTIFIER)
        if integration is None:
            await original(self, scope, receive, send)
            return
        from sentry_lite.integrations.asgi import run_asgi

        await run_asgi(
            original.__get__(self), scope, receive, send, integration.settings, "url"
        )

    patch(IDENTIFIER, handler, "__call__", __call__)


def _patch_base(module: ModuleType) -> None:
    base = module.BaseHandler
    resolve = getattr(base, "resolve_request", None)
    if resolve is not None:

        def resolve_request(self: Any, request: Any) -> Any:
            match = resolve(self, request)
            integration = active(IDENTIFIER)
            if integration is not None:
                _resolved(integration, request, match)
            return match

        patch(IDENTIFIER, base, "resolve_request", resolve_request)
    import_string = module.import_string

    def import_middleware(path: str) -> Any:
        found = import_string(path)
        if active(IDENTIFIER) is None:
            return found
        try:
            return wrap_middleware(found, path, _middleware_spans)
        except Exception:
            return found

    patch(IDENTIFIER, module, "import_string", import_middleware)


def _middleware_spans() -> bool:
    integration = active(IDENTIFIER)
    return integration is not None and integration.middleware_spans


def _patch_templates(module: ModuleType) -> None:
    template = module.Template
    patch(IDENTIFIER, template, "render", timed_render(template.render, _template_spans))


def _template_spans() -> bool:
    return active(IDENTIFIER) is not None


# -- naming and errors ----------------------------------------------------------------


def request_state(request: Any) -> ServerRequest | None:
    """The SDK's state of a Django request (WSGI: in META; ASGI: in the ASGI scope)."""
    meta = getattr(request, "META", None)
    state = meta.get(STATE_KEY) if isinstance(meta, dict) else None
    if state is None:
        asgi_scope = getattr(request, "scope", None)
        if isinstance(asgi_scope, dict):
            state = asgi_scope.get(STATE_KEY)
    return state


def transaction_name(integration: Any, match: Any) -> tuple[str, str]:
    if integration.transaction_style == "function_name":
        return view_name(match.func), SOURCE_COMPONENT
    return route_name(match.route or ""), SOURCE_ROUTE


def _resolved(integration: Any, request: Any, match: Any) -> None:
    try:
        name, source = transaction_name(integration, match)
    except Exception:
        return
    state = request_state(request)
    if state is None:
        get_current_scope().set_transaction_name(name, source)
        return
    state.native = request
    state.framework = DJANGO
    state.set_name(name, source)


def _connect_signals(module: ModuleType) -> None:
    signal = module.got_request_exception
    signal.connect(_got_request_exception, weak=False, dispatch_uid="sentry_lite")
    on_uninstall(
        IDENTIFIER, lambda: signal.disconnect(_got_request_exception, dispatch_uid="sentry_lite")
    )


def _got_request_exception(sender: Any, request: Any = None, **kwargs: Any) -> None:
    if active(IDENTIFIER) is None:
        return
    exc_info: ExcInfo = sys.exc_info()
    if exc_info[1] is None:
        return
    state = request_state(request) if request is not None else None
    if state is None:
        mechanism: Mechanism = {"type": IDENTIFIER, "handled": False}
        if request is None or not hasattr(request, "META"):
            capture_exc(exc_info, mechanism)
            return
        # a handler sentry_lite does not wrap (the test client's): the request's data still
        from sentry_lite._blocks import new_scope  # (loaded with the first such error)

        with new_scope() as scope:
            scope.add_event_processor(request_processor(get_client(), request))
            capture_exc(exc_info, mechanism)
        return
    if state.native is None:
        state.native = request
        state.framework = DJANGO
    state.capture(exc_info, IDENTIFIER)


__all__ = ["DjangoIntegration"]
