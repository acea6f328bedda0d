"""``ClientInterceptor``: a ``grpc.client`` span per call of a sync channel, and the trace
propagated in the call's metadata (``sentry-trace``, ``baggage``).

``GRPCIntegration`` puts it on every channel ``grpc.insecure_channel`` / ``secure_channel``
make; ``grpc.intercept_channel(channel, ClientInterceptor())`` works too.
"""

from __future__ import annotations

from collections import namedtuple

from sentry_lite.integrations import DidNotEnable
from sentry_lite.integrations.grpc._common import (
    enabled,
    method_name,
    propagation_headers,
    record_code,
    start_client_span,
)

try:
    import grpc  # type: ignore[import-untyped,import-not-found,unused-ignore]
except ImportError as exc:  # pragma: no cover - only without grpcio
    raise DidNotEnable("grpcio is not installed") from exc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_Fields = namedtuple(
    "_Fields", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")
)


class _CallDetails(_Fields, grpc.ClientCallDetails):  # type: ignore[misc,unused-ignore]
    """The call's details with the propagation headers added to its metadata."""


def with_trace_metadata(details: Any) -> Any:
    headers = propagation_headers()
    if not headers:
        return details
    metadata = list(details.metadata or ())
    metadata.extend(headers)
    return _CallDetails(
        details.method, details.timeout, metadata, details.credentials,
        getattr(details, "wait_for_ready", None), getattr(details, "compression", None),
    )  # fmt: skip


class ClientInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):  # type: ignore[misc,unused-ignore]
    """Spans and trace propagation for the unary-unary and unary-stream calls of a channel."""

    def __init__(self) -> None:
        self._auto = False  # True when GRPCIntegration added it (then it follows the integration)

    def intercept_unary_unary(
        self, continuation: Callable[[Any, Any], Any], client_call_details: Any, request: Any
    ) -> Any:
        if not enabled(self._auto):
            return continuation(client_call_details, request)
        method = method_name(client_call_details.method)
        with start_client_span("unary unary", method) as span:
            response = continuation(with_trace_metadata(client_call_details), request)
            try:
                record_code(span, response.code())
            except Exception:
                pass
            return response

    def intercept_unary_stream(
        self, continuation: Callable[[Any, Any], Any], client_call_details: Any, request: Any
    ) -> Any:
        if not enabled(self._auto):
            return continuation(client_call_details, request)
        method = method_name(client_call_details.method)
        with start_client_span("unary stream", method):
            return continuation(with_trace_metadata(client_call_details), request)


__all__ = ["ClientInterceptor"]
