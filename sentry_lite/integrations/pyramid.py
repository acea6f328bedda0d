"""Pyramid: every request of every Pyramid application is reported as the WSGI middleware does.

``Router.__call__`` runs the application through
:func:`~sentry_lite.integrations.wsgi.run_wsgi` (an isolation scope per request, the incoming
trace continued, an ``http.server`` transaction when tracing; an exception escaping the
application is captured with ``mechanism: pyramid, handled: false``). On top of that:

- the transaction is named after the matched route when Pyramid calls its view: the
  route's name (``transaction_style="route_name"``, the default, source ``component``) or
  its pattern (``"route_pattern"``, source ``route``);
- an exception an exception view turns into a response whose status is in
  ``failed_request_status_codes`` (500-599 by default) is captured as well (Pyramid's own
  ``HTTPException`` responses are reported by their status only);
- error events carry the request body (form fields, files by name only, JSON) within
  ``max_request_body_size`` and, with ``send_default_pii``, the authenticated user id
  (``request.authenticated_userid``).
"""

from __future__ import annotations

from sentry_lite.integrations import DidNotEnable, Integration, active, patch
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
    methods,
    parse_json,
    status_codes,
    wants_body,
)
from sentry_lite.integrations._http_request import Framework, Settings
from sentry_lite.integrations.wsgi import STATE_KEY, run_wsgi

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from sentry_lite.integrations._http_request import ServerRequest

IDENTIFIER = "pyramid"
ORIGIN = "auto.http.pyramid"
SOURCES = {"route_name": SOURCE_COMPONENT, "route_pattern": SOURCE_ROUTE}
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class PyramidIntegration(Integration):
    """Report Pyramid requests: errors, request data, transactions named after routes."""

    identifier = IDENTIFIER
    origin = ORIGIN

    def __init__(
        self,
        transaction_style: str = "route_name",
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
            from pyramid import router  # type: ignore[import-untyped,import-not-found,unused-ignore]
            from pyramid.request import Request  # type: ignore[import-untyped,import-not-found,unused-ignore]
        except ImportError as exc:
            raise DidNotEnable(f"Pyramid is not installed: {exc}") from None
        _patch_router(router.Router)
        _patch_call_view(router)
        _patch_exception_view(Request)


def _patch_router(router_class: Any) -> None:
    original = router_class.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        integration = active(IDENTIFIER)
        if integration is None:
            return original(self, environ, start_response)
        return run_wsgi(original.__get__(self), environ, start_response,
                        integration.settings, PYRAMID)

    patch(IDENTIFIER, router_class, "__call__", __call__)


def _patch_call_view(router_module: Any) -> None:
    original = router_module._call_view

    def _call_view(registry: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        integration = active(IDENTIFIER)
        state = request.environ.get(STATE_KEY) if integration is not None else None
        if state is not None:
            state.native = request
            route = getattr(request, "matched_route", None)
            if route is not None:
                style = integration.transaction_style
                state.set_name(route.name if style == "route_name" else route.pattern,
                               SOURCES[style])
        return original(registry, request, *args, **kwargs)

    patch(IDENTIFIER, router_module, "_call_view", _call_view)


def _patch_exception_view(request_class: Any) -> None:
    original = request_class.invoke_exception_view

    def invoke_exception_view(self: Any, *args: Any, **kwargs: Any) -> Any:
        response = original(self, *args, **kwargs)
        state = self.environ.get(STATE_KEY)
        exc_info = getattr(self, "exc_info", None)
        if state is None or not exc_info or exc_info[1] is None or active(IDENTIFIER) is None:
            return response
        from pyramid.httpexceptions import HTTPException  # type: ignore[import-untyped,import-not-found,unused-ignore]

        if (
            not isinstance(exc_info[1], HTTPException)
            and getattr(response, "status_int", None) in state.settings.failed_codes
        ):
            state.capture(exc_info)
        return response

    patch(IDENTIFIER, request_class, "invoke_exception_view", invoke_exception_view)


class _PyramidData(Framework):
    """The body and user of a Pyramid request, read from its ``Request`` object."""

    __slots__ = ()

    def body(self, state: ServerRequest) -> Any:
        request = state.native
        if request is None:
            return None
        options = state.client.options
        length = content_length(request.content_length)
        if not length or not wants_body(options):
            return None
        if not body_allowed(options, length):
            return TOO_LARGE
        content_type = request.content_type or ""
        if content_type in _FORMS:  # WebOb keeps the body: the application can still read it
            post = request.POST
            files = [k for k, v in post.items() if getattr(v, "filename", None)]
            form = {k: v for k, v in post.items() if k not in files}
            return body_from_parts(form, files)
        value = parse_json(request.body, content_type)
        return RAW if value is None else value

    def user(self, state: ServerRequest, is_error: bool) -> dict[str, Any] | None:
        request = state.native
        if request is None or not is_error:
            return None  # outside error events the request may be over
        user_id = request.authenticated_userid
        return {"id": str(user_id)} if user_id is not None else None


PYRAMID = _PyramidData()

__all__ = ["PyramidIntegration"]
