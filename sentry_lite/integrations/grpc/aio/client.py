"""``grpc.aio`` client interceptors: a ``grpc.client`` span per unary-unary and unary-stream
call, and the trace propagated in the call's metadata. ``GRPCIntegration`` puts both on every
channel ``grpc.aio.insecure_channel`` / ``secure_channel`` make."""

from __future__ import annotations

from sentry_lite.integrations import DidNotEnable
from sentry_lite.integrations.grpc._common import (
    enabled,
    method_name,
    propagation_headers,
    record_code,
    start_client_span,
)

try:
    from grpc.aio import Metadata, UnaryStreamClientInterceptor, UnaryUnaryClientInterceptor  # type: ignore[import-untyped,import-not-found,unused-ignore]
except ImportError as exc:  # pragma: no cover - only without grpcio
    raise DidNotEnable("grpcio is not installed") from exc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class ClientInterceptor:
    """What both aio interceptors share: the metadata with the trace headers."""

    _auto = False  # True when GRPCIntegration added it (then it follows the integration)

    @staticmethod
    def _update_client_call_details_metadata_from_scope(client_call_details: Any) -> Any:
        headers = propagation_headers()
        if not headers:
            return client_call_details
        metadata = client_call_details.metadata
        if metadata is None:
            metadata = Metadata()
        elif not isinstance(metadata, Metadata):
            metadata = Metadata.from_tuple(tuple(metadata))
        else:
            metadata = Metadata.from_tuple(tuple(metadata))  # the caller's object stays as it was
        for key, value in headers:
            metadata.add(key, value)
        return client_call_details._replace(metadata=metadata)


class SentryUnaryUnaryClientInterceptor(ClientInterceptor, UnaryUnaryClientInterceptor):  # type: ignore[misc,unused-ignore]
    async def intercept_unary_unary(
        self, continuation: Callable[[Any, Any], Any], client_call_details: Any, request: Any
    ) -> Any:
        if not enabled(self._auto):
            return await continuation(client_call_details, request)
        method = method_name(client_call_details.method)
        with start_client_span("unary unary", method) as span:
            details = self._update_client_call_details_metadata_from_scope(client_call_details)
            call = await continuation(details, request)
            try:
                record_code(span, await call.code())
            except Exception:
                pass
            return call


class SentryUnaryStreamClientInterceptor(ClientInterceptor, UnaryStreamClientInterceptor):  # type: ignore[misc,unused-ignore]
    async def intercept_unary_stream(
        self, continuation: Callable[[Any, Any], Any], client_call_details: Any, request: Any
    ) -> Any:
        if not enabled(self._auto):
            return await continuation(client_call_details, request)
        method = method_name(client_call_details.method)
        with start_client_span("unary stream", method):
            details = self._update_client_call_details_metadata_from_scope(client_call_details)
            return await continuation(details, request)


__all__ = [
    "ClientInterceptor",
    "SentryUnaryStreamClientInterceptor",
    "SentryUnaryUnaryClientInterceptor",
]
