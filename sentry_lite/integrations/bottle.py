"""Bottle: every request of every ``Bottle`` app is reported as the WSGI middleware does.

``Bottle.__call__`` runs the application through
:func:`~sentry_lite.integrations.wsgi.run_wsgi` (an isolation scope per request, the incoming
trace continued, an ``http.server`` transaction when tracing). Each route's callback, as
Bottle prepares it (``Route._make_callback``), is wrapped so that:

- the transaction is named after the matched route: its name, else the callback's
  qualified name (``transaction_style="endpoint"``, the default, source ``component``), or
  its rule (``"url"``, source ``route``);
- an exception escaping the callback is captured (``mechanism: bottle, handled: false``);
  an ``HTTPResponse`` it raises or returns (``abort(503)``) whose status is in
  ``failed_request_status_codes`` (500-599 by default) is captured with ``handled: true``;
- error events carry the request body (form fields, files by name only, JSON) within
  ``max_request_body_size``.
"""

from __future__ import annotations

from sentry_lite.integrations import DidNotEnable, Integration, active, capture_exc, patch
from sentry_lite.integrations._http_common import (
    DEFAULT_HTTP_METHODS_TO_CAPTURE,
    RAW,
    SOURCE_COMPONENT,
    SOURCE_ROUTE,
    TOO_LARGE,
    body_allowed,
    body_from_parts,
    check_style,
    content_length,
    is_json,
    methods,
    status_codes,
    wants_body,
)
from sentry_lite.integrations._http_request import Framework, Settings
from sentry_lite.integrations.asgi import endpoint_name
from sentry_lite.integrations.wsgi import STATE_KEY, run_wsgi

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from sentry_lite.integrations._http_request import ServerRequest

IDENTIFIER = "bottle"
ORIGIN = "auto.http.bottle"
SOURCES = {"endpoint": SOURCE_COMPONENT, "url": SOURCE_ROUTE}


class BottleIntegration(Integration):
    """Report Bottle requests: errors, request data, transactions named after routes."""

    identifier = IDENTIFIER
    origin = ORIGIN

    def __init__(
        self,
        transaction_style: str = "endpoint",
        *,
        failed_request_status_codes: Any = None,
        http_methods_to_capture: Iterable[str] = DEFAULT_HTTP_METHODS_TO_CAPTURE,
    ) -> None:
        self.transaction_style = check_style(transaction_style, SOURCES)
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
            import bottle  # type: ignore[import-untyped,import-not-found,unused-ignore]
        except ImportError as exc:
            raise DidNotEnable(f"Bottle is not installed: {exc}") from None
        _patch_call(bottle.Bottle)
        _patch_make_callback(bottle.Route, bottle.HTTPResponse)


def _patch_call(bottle_class: Any) -> None:
    original = bottle_class.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        integration = active(IDENTIFIER)
        if integration is None:
            return original(self, environ, start_response)
        return run_wsgi(original.__get__(self), environ, start_response,
                        integration.settings, BOTTLE)

    patch(IDENTIFIER, bottle_class, "__call__", __call__)


def _patch_make_callback(route_class: Any, http_response: type[BaseException]) -> None:
    original = route_class._make_callback

    def _make_callback(self: Any, *args: Any, **kwargs: Any) -> Any:
        return _reporting(self, original(self, *args, **kwargs), http_response)

    patch(IDENTIFIER, route_class, "_make_callback", _make_callback)


def _reporting(
    route: Any, callback: Callable[..., Any], http_response: type[BaseException]
) -> Any:
    """``callback`` (the route's prepared callback), reporting as the module says."""

    def reporting_callback(*args: Any, **kwargs: Any) -> Any:
        integration = active(IDENTIFIER)
        state = _state(route) if integration is not None else None
        if state is None:
            return callback(*args, **kwargs)
        style = integration.transaction_style
        name = route.rule if style == "url" else route.name or endpoint_name(route.callback)
        state.set_name(name, SOURCES[style])
        try:
            result = callback(*args, **kwargs)
        except http_response as answer:  # abort(), redirect(): the application's answer
            _failed(state, answer)
            raise
        except Exception as exc:
            state.capture((type(exc), exc, exc.__traceback__))
            raise
        if isinstance(result, http_response):  # abort() comes back so through the JSON plugin
            _failed(state, result)
        return result

    return reporting_callback


def _state(route: Any) -> ServerRequest | None:
    import bottle  # type: ignore[import-untyped,import-not-found,unused-ignore]

    try:
        environ = bottle.request.environ
    except (RuntimeError, AttributeError):  # outside a request
        return None
    if environ.get("bottle.route") is not route:
        return None
    state: ServerRequest | None = environ.get(STATE_KEY)
    return state


def _failed(state: ServerRequest, answer: Any) -> None:
    if state.reported or answer.status_code not in state.settings.failed_codes:
        return
    state.reported = True
    capture_exc((type(answer), answer, answer.__traceback__), {"type": IDENTIFIER, "handled": True})


class _BottleData(Framework):
    """The body of a Bottle request, from Bottle's request object (it keeps the body)."""

    __slots__ = ()

    def body(self, state: ServerRequest) -> Any:
        import bottle  # type: ignore[import-untyped,import-not-found,unused-ignore]

        environ = getattr(state, "environ", None)
        if environ is None:
            return None
        request = bottle.BaseRequest(environ)
        options = state.client.options
        length = content_length(request.content_length)
        if not length or length < 0 or not wants_body(options):
            return None
        if not body_allowed(options, length):
            return TOO_LARGE
        if is_json(request.content_type):
            value = request.json
            return RAW if value is None else value
        files = list(request.files.keys())
        form = {k: v for k, v in request.forms.decode().allitems() if k not in files}
        return body_from_parts(form, files, has_raw=True)


BOTTLE = _BottleData()

__all__ = ["BottleIntegration"]
