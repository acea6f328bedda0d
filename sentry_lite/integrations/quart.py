"""Quart: every connection of every ``Quart`` app is reported as the ASGI middleware does.

``Quart.__call__`` runs the application through :func:`~sentry_lite.integrations.asgi.run_asgi`
(an isolation scope per connection, the incoming trace continued, an ``http.server`` or
``websocket.server`` transaction when tracing, a failed response status in
``failed_request_status_codes`` reported). On top of that, from Quart's signals:

- the transaction is named after the matched rule: its endpoint
  (``transaction_style="endpoint"``, the default, source ``component``) or its URL rule
  (``"url"``, source ``route``), when the request or WebSocket starts;
- exceptions Quart turns into a 500 response (``got_request_exception``,
  ``got_websocket_exception``) and those of background tasks are captured
  (``mechanism: quart, handled: false``).

Error events carry the body the application received (JSON or form, within
``max_request_body_size``; the SDK never reads it itself) and, with ``send_default_pii``,
the Quart-Auth user id when the application uses Quart-Auth.
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
from sentry_lite.integrations.asgi import STATE_KEY, AsgiFramework, run_asgi

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from sentry_lite.integrations._http_request import ServerRequest

IDENTIFIER = "quart"
ORIGIN = "auto.http.quart"
SOURCES = {"endpoint": SOURCE_COMPONENT, "url": SOURCE_ROUTE}


class QuartIntegration(Integration):
    """Report Quart requests: errors, request data, transactions named after routes."""

    identifier = IDENTIFIER
    origin = ORIGIN

    def __init__(
        self,
        transaction_style: str = "endpoint",
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
            from quart import Quart, signals
        except ImportError as exc:
            raise DidNotEnable(f"Quart is not installed: {exc}") from None
        _patch_call(Quart)

        for signal, receiver in (
            (signals.request_started, _started),
            (signals.websocket_started, _started),
            (signals.got_request_exception, _exception),
            (signals.got_websocket_exception, _exception),
            (signals.got_background_exception, _exception),
        ):
            signal.connect(receiver, weak=False)
            on_uninstall(IDENTIFIER, _disconnect(signal, receiver))


def _disconnect(signal: Any, receiver: Any) -> Any:
    return lambda: signal.disconnect(receiver)


def _patch_call(quart_class: Any) -> None:
    original = quart_class.__call__

    async def __call__(self: Any, scope: Any, receive: Any, send: Any) -> None:
        integration = active(IDENTIFIER)
        if integration is None:
            await original(self, scope, receive, send)
            return
        await run_asgi(
            _Bound(original, self), scope, receive, send,
            integration.settings, integration.transaction_style,
        )

    patch(IDENTIFIER, quart_class, "__call__", __call__)


class _Bound:
    """The original ``Quart.__call__`` of one app, giving each request Quart's data."""

    __slots__ = ("_app", "_original")

    def __init__(self, original: Any, app: Any) -> None:
        self._original = original
        self._app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        state = scope.get(STATE_KEY)
        if state is not None:  # ours, or an outer ASGI middleware's: Quart knows more
            state.framework = QUART
        await self._original(self._app, scope, receive, send)


def _current() -> tuple[Any, ServerRequest | None]:
    """Quart's request (or WebSocket) object here, and the SDK's state for it."""
    quart = sys.modules.get("quart")
    if quart is None:
        return None, None
    if quart.has_websocket_context():
        native = quart.websocket._get_current_object()
    elif quart.has_request_context():
        native = quart.request._get_current_object()
    else:
        return None, None
    return native, native.scope.get(STATE_KEY)


async def _started(sender: Any, **extra: Any) -> None:
    integration = active(IDENTIFIER)
    if integration is None:
        return
    native, state = _current()
    rule = getattr(native, "url_rule", None)
    if state is None or rule is None:
        return
    style = integration.transaction_style
    state.set_name(rule.endpoint if style == "endpoint" else rule.rule, SOURCES[style])


async def _exception(sender: Any, exception: BaseException, **extra: Any) -> None:
    if active(IDENTIFIER) is None:
        return
    exc_info = (type(exception), exception, exception.__traceback__)
    _, state = _current()
    if state is not None:
        state.capture(exc_info, IDENTIFIER)
    else:
        capture_exc(exc_info, {"type": IDENTIFIER, "handled": False})


class _QuartData(AsgiFramework):
    """The body the application received; the user from Quart-Auth."""

    __slots__ = ()

    def user(self, state: ServerRequest, is_error: bool) -> dict[str, Any] | None:
        auth = sys.modules.get("quart_auth")
        if auth is None or not is_error:
            return None  # outside error events the request context may be gone
        try:
            user_id = auth.current_user.auth_id
        except Exception:
            return None
        return {"id": str(user_id)} if user_id is not None else None


QUART = _QuartData()

__all__ = ["QuartIntegration"]
