"""The ``grpc.aio`` server interceptor: each unary-unary call in its own ``grpc.server``
transaction continuing the caller's trace; an exception the handler raises is reported
(``mechanism.type: grpc``), an ``abort()`` is not. ``GRPCIntegration`` adds one to every
``grpc.aio.server()``."""

from __future__ import annotations

import inspect

from sentry_lite.integrations import DidNotEnable
from sentry_lite.integrations.grpc._common import enabled, server_call

try:
    import grpc  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from grpc.aio import ServerInterceptor as _AioServerInterceptor  # type: ignore[import-untyped,import-not-found,unused-ignore]
except ImportError as exc:  # pragma: no cover - only without grpcio
    raise DidNotEnable("grpcio is not installed") from exc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from typing import Any


class ServerInterceptor(_AioServerInterceptor):  # type: ignore[misc,unused-ignore]
    """A transaction per unary-unary call of a ``grpc.aio`` server."""

    def __init__(self, find_name: Callable[[Any], str] | None = None) -> None:
        self._custom_find_name = find_name
        self._auto = False  # True when GRPCIntegration added it
        super().__init__()

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], handler_call_details: Any
    ) -> Any:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        method = handler_call_details.method
        find_name = self._custom_find_name
        auto = self._auto
        inner = handler.unary_unary

        async def behavior(request: Any, context: Any) -> Any:
            name = find_name(context) if find_name is not None else method
            if not enabled(auto) or not name:
                return await _result(inner(request, context))
            with server_call(name, context):
                return await _result(inner(request, context))

        return grpc.unary_unary_rpc_method_handler(
            behavior,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


async def _result(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


__all__ = ["ServerInterceptor"]
