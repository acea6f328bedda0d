"""aiohttp: a transaction per request the server handles, spans for the client's requests.

Server (``aiohttp.web.Application._handle`` is wrapped): each request runs in forks of
the isolation and current scopes (:class:`~sentry_lite.integrations._http_request.ServerRequest`),
continues the incoming ``sentry-trace`` / ``baggage`` in an ``http.server`` transaction
(origin ``auto.http.aiohttp``), named after the handler (``transaction_style="handler_name"``)
or ``"<METHOD> <path pattern>"`` (``"method_and_path_pattern"``) once the router has resolved
it. Unhandled errors are reported with the request attached (``mechanism.type: aiohttp``),
and so is an ``HTTPException`` whose status is in ``failed_request_status_codes``.

Client (``aiohttp.ClientSession`` gets a trace config, ``_aiohttp_client.py``): an
``http.client`` span per request, an ``httplib`` breadcrumb, and the propagation headers
on requests to ``trace_propagation_targets``.

Nothing is imported here before the application imports aiohttp: ``_auto`` loads this
module from the import hook.
"""

from __future__ import annotations

import sys
from contextvars import ContextVar

from sentry_lite.integrations import DidNotEnable, Integration, active, on_uninstall, patch
from sentry_lite.integrations._http_common import (
    RAW,
    SOURCE_COMPONENT,
    SOURCE_ROUTE,
    TOO_LARGE,
    body_allowed,
    build_request,
    build_url,
    check_style,
    client_ip,
    parse_json,
    status_codes,
)
from sentry_lite.integrations._http_request import Framework, ServerRequest, Settings
from sentry_lite.scope import get_client

try:
    from aiohttp import ClientSession
    from aiohttp import __version__ as AIOHTTP_VERSION
    from aiohttp.web import Application, HTTPException, UrlDispatcher
except ImportError as exc:  # pragma: no cover - only without aiohttp
    raise DidNotEnable("aiohttp is not installed") from exc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

TRANSACTION_STYLE_VALUES = ("handler_name", "method_and_path_pattern")
_SOURCE_FOR_STYLE = {"handler_name": SOURCE_COMPONENT, "method_and_path_pattern": SOURCE_ROUTE}
GENERIC_NAME = "generic AIOHTTP request"  # a request the router did not resolve
_FORM = "application/x-www-form-urlencoded"
MIN_VERSION = (3, 4)

_request_var: ContextVar[AiohttpRequest | None] = ContextVar("sentry_lite_aiohttp", default=None)


class _EveryMethod(frozenset[str]):
    """aiohttp requests of every method get a transaction (as upstream)."""

    def __contains__(self, item: object) -> bool:
        return True


class AioHttpIntegration(Integration):
    """Transactions and errors of an aiohttp server; spans of its client."""

    identifier = "aiohttp"
    origin = f"auto.http.{identifier}"

    def __init__(
        self,
        transaction_style: str = "handler_name",
        *,
        failed_request_status_codes: Iterable[Any] | None = None,
    ) -> None:
        self.transaction_style = check_style(transaction_style, TRANSACTION_STYLE_VALUES)
        self._failed_request_status_codes = status_codes(failed_request_status_codes)
        # Failed statuses are reported from the HTTPException (as upstream), never from a
        # response the handler returned: the shared request gets no codes of its own.
        self._settings = Settings("aiohttp", self.origin, _EveryMethod(), frozenset())

    @staticmethod
    def setup_once() -> None:
        from sentry_lite._text import parse_version

        version = parse_version(AIOHTTP_VERSION)
        if version is not None and version < MIN_VERSION:
            raise DidNotEnable(f"aiohttp {AIOHTTP_VERSION} is too old (3.4 or later needed)")
        from sentry_lite.integrations._aiohttp_client import patch_client_session
        from sentry_lite.integrations.logging import ignore_logger, unignore_logger

        ignore_logger("aiohttp.server")  # it logs the errors the integration reports
        on_uninstall(AioHttpIntegration.identifier, lambda: unignore_logger("aiohttp.server"))
        _patch_server()
        patch_client_session(ClientSession)


# -- the server ----------------------------------------------------------------------------


class _AiohttpFramework(Framework):
    __slots__ = ()

    def body(self, state: ServerRequest) -> Any:
        return request_body(state.native, state.client.options)


_FRAMEWORK = _AiohttpFramework()


def request_body(request: Any, options: Any) -> Any:
    """``request.data`` from the body the handler read (aiohttp keeps it), else None."""
    raw = getattr(request, "_read_bytes", None)
    if not raw:
        return None
    if not body_allowed(options, len(raw)):
        return TOO_LARGE
    content_type = request.headers.get("Content-Type")
    value = parse_json(raw, content_type)
    if value is not None:
        return value
    if content_type and content_type.split(";", 1)[0].strip().lower() == _FORM:
        from urllib.parse import parse_qs

        form = parse_qs(raw.decode(request.charset or "utf-8", "replace"), keep_blank_values=True)
        return {key: values[0] if len(values) == 1 else values for key, values in form.items()}
    return RAW


class AiohttpRequest(ServerRequest):
    """One request handled by an aiohttp application."""

    __slots__ = ()

    def __init__(self, client: Any, integration: AioHttpIntegration, request: Any) -> None:
        super().__init__(
            client,
            integration._settings,
            request.method,
            GENERIC_NAME,
            request.headers,
            {"aiohttp_request": request},
        )
        self.native = request
        self.framework = _FRAMEWORK
        if self.transaction is not None:
            self.transaction.source = SOURCE_ROUTE
        else:
            self.current._set_transaction(None, SOURCE_ROUTE)

    def base_request(self) -> dict[str, Any]:
        request = self.native
        return build_request(
            request.method,
            build_url(request.scheme, request.host, request.path),
            request.query_string,
            {str(name): value for name, value in request.headers.items()},
            {},
            bool(self.client.options.send_default_pii),
            request.remote,
        )

    def client_address(self) -> str | None:
        request = self.native
        return client_ip(request.headers, request.remote)


def _patch_server() -> None:
    original_handle = Application._handle
    original_resolve = UrlDispatcher.resolve

    async def _handle(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        integration = active(AioHttpIntegration.identifier)
        if integration is None or _request_var.get() is not None:
            return await original_handle(self, request, *args, **kwargs)
        try:
            state = AiohttpRequest(get_client(), integration, request)
        except Exception:
            get_client().log_error("aiohttp: could not set up the request's scopes")
            return await original_handle(self, request, *args, **kwargs)
        tokens = state.enter()
        own = _request_var.set(state)
        try:
            return await _run(state, integration, original_handle(self, request, *args, **kwargs))
        finally:
            _request_var.reset(own)
            state.leave(tokens)

    async def resolve(self: Any, request: Any) -> Any:
        match = await original_resolve(self, request)
        state = _request_var.get()
        if state is not None and state.native is request:
            integration = active(AioHttpIntegration.identifier)
            if integration is not None:
                _name_from_route(state, integration.transaction_style, match, request)
        return match

    patch(AioHttpIntegration.identifier, Application, "_handle", _handle)
    patch(AioHttpIntegration.identifier, UrlDispatcher, "resolve", resolve)


async def _run(state: AiohttpRequest, integration: AioHttpIntegration, handling: Any) -> Any:
    """Await the application's handling of the request; report and finish around it."""
    error = False
    try:
        response = await handling
    except HTTPException as exc:
        state.response_status(exc.status_code)
        if exc.status_code in integration._failed_request_status_codes:
            state.capture(sys.exc_info())
        raise
    except BaseException as exc:
        import asyncio

        if isinstance(exc, (asyncio.CancelledError, ConnectionResetError)):
            if state.transaction is not None:
                state.transaction.status = "cancelled"
        elif isinstance(exc, Exception):
            error = True
            state.capture(sys.exc_info())
        raise
    else:
        status = getattr(response, "status", None)
        if isinstance(status, int):
            state.response_status(status)
        return response
    finally:
        state.finish(error=error)


def _name_from_route(state: AiohttpRequest, style: str, match: Any, request: Any) -> None:
    try:
        if style == "handler_name":
            from sentry_lite._text import transaction_from_function

            name = transaction_from_function(match.handler)
        else:
            info = match.get_info()
            pattern = info.get("path") or info.get("formatter")
            name = None if pattern is None else f"{request.method} {pattern}"
    except Exception:
        name = None
    if name:
        state.set_name(name, _SOURCE_FOR_STYLE[style])


__all__ = ["AioHttpIntegration"]
