"""Starlette: every application reports through the ASGI middleware, named after its routes.

``StarletteIntegration`` switches on by itself when the application imports Starlette
(FastAPI applications too: they are Starlette applications). Two class-level patches,
so applications created before ``init()`` are covered as well:

- ``Starlette.__call__`` runs each connection through :mod:`~sentry_lite.integrations.asgi`
  (isolation scope, trace continued, ``http.server`` transaction, errors escaping the
  application captured with ``mechanism: starlette, handled: false`` and re-raised);
- ``ExceptionMiddleware.__call__`` wraps, once per middleware, the exception handlers it
  calls: an exception a handler turns into a response whose status is in
  ``failed_request_status_codes`` (an ``HTTPException(503)``, or any exception whose
  handler answers 5xx) is reported with ``handled: true``, as the official SDK does.

Transactions and events are named after the matched route's path template
(``/items/{item_id}``, source ``route``; ``transaction_style="url"``, the default) or the
endpoint's qualified name (``"endpoint"``, source ``component``), read from what Starlette's
router leaves in the ASGI scope. The request body goes with error events as the
application received it (JSON or form, within ``max_request_body_size``): the SDK never
reads the stream itself. The authenticated user (``scope["user"]``), cookies and the
client's address are sent only with ``send_default_pii=True``.
"""

from __future__ import annotations

from sentry_lite.integrations import DidNotEnable, Integration, on_uninstall, patch
from sentry_lite.integrations._http_common import (
    DEFAULT_HTTP_METHODS_TO_CAPTURE,
    check_style,
    methods,
    status_codes,
)
from sentry_lite.integrations._http_request import Settings
from sentry_lite.integrations.asgi import STATE_KEY, TRANSACTION_STYLES, run_asgi
from sentry_lite.scope import get_client

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from typing import Any

OWNER = "starlette"
ORIGIN = "auto.http.starlette"
_MARK = "_sentry_lite_patch"
_ORIGINAL = "_sentry_lite_original"
_WRAPPED = "_sentry_lite_handlers"


class StarletteIntegration(Integration):
    """Report errors and trace requests of Starlette applications."""

    identifier = "starlette"

    def __init__(
        self,
        transaction_style: str = "url",
        failed_request_status_codes: Any = None,
        middleware_spans: bool = False,
        http_methods_to_capture: Any = DEFAULT_HTTP_METHODS_TO_CAPTURE,
    ) -> None:
        self.transaction_style = check_style(transaction_style, TRANSACTION_STYLES)
        self.middleware_spans = middleware_spans  # accepted; no middleware spans yet
        self.settings = Settings(
            "starlette",
            ORIGIN,
            methods(http_methods_to_capture),
            status_codes(failed_request_status_codes),
        )

    @staticmethod
    def setup_once() -> None:
        install()


def install() -> None:
    """Patch Starlette (once, whichever of the Starlette and FastAPI integrations asks)."""
    try:
        from starlette.applications import Starlette
        from starlette.middleware.exceptions import ExceptionMiddleware
    except ImportError as exc:
        raise DidNotEnable(f"starlette is not installed ({exc})") from None
    if getattr(vars(Starlette).get("__call__"), _MARK, False):
        return
    _patch_application(Starlette)
    _patch_exception_middleware(ExceptionMiddleware)


# -- the application ----------------------------------------------------------------------

_is_fastapi: dict[type, bool] = {}


def integration_for(app: Any) -> Any:
    """The Starlette or FastAPI integration of the client in charge, as fits ``app``."""
    integrations = get_client().integrations
    fastapi = integrations.get("fastapi")
    starlette = integrations.get("starlette")
    if fastapi is None:
        return starlette
    if starlette is None:
        return fastapi
    cls = type(app)
    known = _is_fastapi.get(cls)
    if known is None:
        known = _is_fastapi[cls] = any(
            (c.__module__ or "").startswith("fastapi") for c in cls.__mro__
        )
    return fastapi if known else starlette


def _any_active() -> bool:
    integrations = get_client().integrations
    return "starlette" in integrations or "fastapi" in integrations


def _patch_application(starlette_class: Any) -> None:
    original = starlette_class.__call__

    async def __call__(self: Any, scope: Any, receive: Any, send: Any) -> None:
        integration = integration_for(self)
        if integration is None:
            await original(self, scope, receive, send)
            return
        await run_asgi(
            original.__get__(self), scope, receive, send,
            integration.settings, integration.transaction_style,
        )

    setattr(__call__, _MARK, True)
    patch(OWNER, starlette_class, "__call__", __call__)


# -- exception handlers -----------------------------------------------------------------


def _patch_exception_middleware(middleware_class: Any) -> None:
    import weakref

    original = middleware_class.__call__
    wrapped: weakref.WeakSet[Any] = weakref.WeakSet()

    def __call__(self: Any, scope: Any, receive: Any, send: Any) -> Awaitable[None]:
        # Not a coroutine itself: the caller awaits the original's coroutine.
        if _WRAPPED not in vars(self) and _any_active():
            _wrap_handlers(self)
            wrapped.add(self)
        result: Awaitable[None] = original(self, scope, receive, send)
        return result

    def unwrap_all() -> None:
        for middleware in list(wrapped):
            _unwrap_handlers(middleware)
        wrapped.clear()

    patch(OWNER, middleware_class, "__call__", __call__)
    on_uninstall(OWNER, unwrap_all)


def _handler_maps(middleware: Any) -> list[dict[Any, Any]]:
    maps = []
    for name in ("_exception_handlers", "_status_handlers"):
        handlers = getattr(middleware, name, None)
        if isinstance(handlers, dict):
            maps.append(handlers)
    return maps


def _wrap_handlers(middleware: Any) -> None:
    vars(middleware)[_WRAPPED] = True
    for handlers in _handler_maps(middleware):
        for key, handler in list(handlers.items()):
            if callable(handler) and not hasattr(handler, _ORIGINAL):
                handlers[key] = _reporting(handler)


def _unwrap_handlers(middleware: Any) -> None:
    vars(middleware).pop(_WRAPPED, None)
    for handlers in _handler_maps(middleware):
        for key, handler in list(handlers.items()):
            original = getattr(handler, _ORIGINAL, None)
            if original is not None:
                handlers[key] = original


def _reporting(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler`` (sync or async alike), noting the exception it answers for."""
    from starlette._utils import is_async_callable

    if is_async_callable(handler):

        async def async_handler(conn: Any, exc: Exception) -> Any:
            _note(conn, exc)
            return await handler(conn, exc)

        reporting: Callable[..., Any] = async_handler
    else:

        def sync_handler(conn: Any, exc: Exception) -> Any:
            _note(conn, exc)
            return handler(conn, exc)

        reporting = sync_handler
    setattr(reporting, _ORIGINAL, handler)
    return reporting


def _note(conn: Any, exc: Exception) -> None:
    """An exception met its handler: report it now (failed status known) or at the end."""
    try:
        state = conn.scope.get(STATE_KEY)
        if state is None or state.reported:
            return
        code = getattr(exc, "status_code", None)
        if isinstance(code, int):
            if code in state.settings.failed_codes:
                state.capture_handled(exc)
        else:
            state.handled_error = exc  # reported if the handler's response is a failure
    except Exception:
        pass


__all__ = ["StarletteIntegration", "install", "integration_for"]
