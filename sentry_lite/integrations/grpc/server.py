"""``ServerInterceptor``: each unary-unary call a sync ``grpc.server`` handles runs in its
own ``grpc.server`` transaction (named after the method, or ``find_name(context)``),
continuing the caller's trace; an exception the handler raises is reported
(``mechanism.type: grpc``). ``GRPCIntegration`` adds one to every ``grpc.server()``.
"""

from __future__ import annotations

from sentry_lite.integrations import DidNotEnable
from sentry_lite.integrations.grpc._common import enabled, server_call

try:
    import grpc  # type: ignore[import-untyped,import-not-found,unused-ignore]
except ImportError as exc:  # pragma: no cover - only without grpcio
    raise DidNotEnable("grpcio is not installed") from exc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class ServerInterceptor(grpc.ServerInterceptor):  # type: ignore[misc,unused-ignore]
    """A transaction per unary-unary call of a sync server."""

    def __init__(self, find_name: Callable[[Any], str] | None = None) -> None:
        self._custom_find_name = find_name
        self._auto = False  # True when GRPCIntegration added it
        super().__init__()

    def intercept_service(
        self, continuation: Callable[[Any], Any], handler_call_details: Any
    ) -> Any:
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        method = handler_call_details.method
        find_name = self._custom_find_name
        auto = self._auto
        inner = handler.unary_unary

        def behavior(request: Any, context: Any) -> Any:
            if not enabled(auto):
                return inner(request, context)
            name = find_name(context) if find_name is not None else method
            if not name:
                return inner(request, context)
            with server_call(name, context):
                return inner(request, context)

        return grpc.unary_unary_rpc_method_handler(
            behavior,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


__all__ = ["ServerInterceptor"]
