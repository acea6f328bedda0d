"""Litestar: every connection of every ``Litestar`` app is reported as the ASGI middleware does.

``Litestar.__call__`` runs the application through
:func:`~sentry_lite.integrations.asgi.run_asgi` (an isolation scope per connection, the
incoming trace continued, an ``http.server`` or ``websocket.server`` transaction when
tracing, a failed response status in ``failed_request_status_codes`` reported; apps created
before ``init()`` are covered too). On top of that:

- the transaction is named after the route handler that serves the request: its ``name``,
  else the handler function's qualified name (source ``component``, as the official SDK);
- exceptions reach the app's ``after_exception`` hooks, where one of ours captures them
  (``mechanism: litestar, handled: false``); an ``HTTPException`` only when its status is
  in ``failed_request_status_codes`` (500-599 by default). Litestar's own log record of
  the exception is not turned into a second event (logger ``litestar`` ignored);
- error events carry the body the application received (JSON or form, within
  ``max_request_body_size``) and, with ``send_default_pii``, ``scope["user"]`` when it is a
  dict or a dataclass-like object with ``asdict()``.
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
    methods,
    status_codes,
)
from sentry_lite.integrations._http_request import Settings
from sentry_lite.integrations.asgi import STATE_KEY, AsgiFramework, endpoint_name, run_asgi

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from sentry_lite.integrations._http_request import ServerRequest

IDENTIFIER = "litestar"
ORIGIN = "auto.http.litestar"


class LitestarIntegration(Integration):
    """Report Litestar requests: errors, request data, transactions named after handlers."""

    identifier = IDENTIFIER
    origin = ORIGIN

    def __init__(
        self,
        failed_request_status_codes: Any = None,
        *,
        http_methods_to_capture: Iterable[str] = DEFAULT_HTTP_METHODS_TO_CAPTURE,
    ) -> None:
        self.settings = Settings(
            IDENTIFIER,
            ORIGIN,
            methods(http_methods_to_capture),
            status_codes(failed_request_status_codes),
        )

    @property
    def failed_request_status_codes(self) -> frozenset[int]:
        return self.settings.failed_codes

    @staticmethod
    def setup_once() -> None:
        try:
            from litestar import Litestar
            from litestar.routes.http import HTTPRoute
            from litestar.routes.websocket import WebSocketRoute
        except ImportError as exc:
            raise DidNotEnable(f"Litestar is not installed: {exc}") from None
        _patch_call(Litestar)
        for route_class in (HTTPRoute, WebSocketRoute):
            _patch_handle(route_class)
        _quiet_logger()


def _patch_call(litestar_class: Any) -> None:
    original = litestar_class.__call__

    async def __call__(self: Any, scope: Any, receive: Any, send: Any) -> None:
        integration = active(IDENTIFIER)
        if integration is None:
            await original(self, scope, receive, send)
            return
        hooks = getattr(self, "after_exception", None)
        if isinstance(hooks, list) and _after_exception not in hooks:
            hooks.insert(0, _after_exception)
        await run_asgi(_Bound(original, self), scope, receive, send,
                       integration.settings, "endpoint")

    patch(IDENTIFIER, litestar_class, "__call__", __call__)


class _Bound:
    """The original ``Litestar.__call__`` of one app, giving each request Litestar's data."""

    __slots__ = ("_app", "_original")

    def __init__(self, original: Any, app: Any) -> None:
        self._original = original
        self._app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        state = scope.get(STATE_KEY)
        if state is not None:  # ours, or an outer ASGI middleware's: Litestar knows more
            state.framework = LITESTAR
        await self._original(self._app, scope, receive, send)


def _patch_handle(route_class: Any) -> None:
    original = route_class.handle

    async def handle(self: Any, scope: Any, receive: Any, send: Any) -> None:
        state = scope.get(STATE_KEY)
        handler = scope.get("route_handler")
        if state is not None and handler is not None and active(IDENTIFIER) is not None:
            name = handler.name
            if not name:
                fn = handler.fn
                name = endpoint_name(getattr(fn, "value", fn))  # older Litestar: a Ref
            state.set_name(name, SOURCE_COMPONENT)
        await original(self, scope, receive, send)

    patch(IDENTIFIER, route_class, "handle", handle)


async def _after_exception(exc: Exception, scope: Any) -> None:
    integration = active(IDENTIFIER)
    if integration is None:
        return
    from litestar.exceptions import HTTPException

    if isinstance(exc, HTTPException) and exc.status_code not in integration.settings.failed_codes:
        return
    exc_info = (type(exc), exc, exc.__traceback__)
    state = scope.get(STATE_KEY)
    if state is not None:
        state.capture(exc_info)
    else:
        capture_exc(exc_info, {"type": IDENTIFIER, "handled": False})


def _quiet_logger() -> None:
    # Litestar logs the exceptions it answers before its after_exception hooks run.
    from sentry_lite.integrations import logging as logging_integration

    if IDENTIFIER in logging_integration._ignored:
        return
    logging_integration.ignore_logger(IDENTIFIER)
    on_uninstall(IDENTIFIER, lambda: logging_integration._ignored.discard(IDENTIFIER))


class _LitestarData(AsgiFramework):
    """The body the application received; the user Litestar's auth left in the scope."""

    __slots__ = ()

    def user(self, state: ServerRequest, is_error: bool) -> dict[str, Any] | None:
        user = getattr(state, "asgi_scope", {}).get("user")
        if isinstance(user, dict):
            return user
        asdict = getattr(user, "asdict", None)
        if asdict is not None:
            value = asdict()
            return value if isinstance(value, dict) else None
        return None


LITESTAR = _LitestarData()

__all__ = ["LitestarIntegration"]
