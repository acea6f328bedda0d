"""What the sync and ``grpc.aio`` interceptors share: span status from a gRPC status code,
the propagation metadata, and running one server call in its own transaction."""

from __future__ import annotations

from contextlib import contextmanager

from sentry_lite.integrations import active, capture_exc
from sentry_lite.integrations.grpc.consts import SPAN_ORIGIN
from sentry_lite.scope import get_client, get_current_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

IDENTIFIER = "grpc"
OP_CLIENT = "grpc.client"
OP_SERVER = "grpc.server"

# gRPC status code name -> span status (the names match but for these)
_STATUS = {"UNKNOWN": "unknown_error", "INTERNAL": "internal_error"}


def enabled(auto: bool) -> bool:
    """Whether an interceptor reports: one the integration added needs the integration
    active; one the application added itself needs an active client."""
    if auto:
        return active(IDENTIFIER) is not None
    return get_client().is_active()


def method_name(method: Any) -> str:
    return method.decode("utf-8", "replace") if isinstance(method, bytes) else str(method)


def span_status(code: Any) -> str | None:
    """``"not_found"`` for ``grpc.StatusCode.NOT_FOUND``; None for no code."""
    name = getattr(code, "name", None)
    if not isinstance(name, str):
        return None
    return _STATUS.get(name, name.lower())


def propagation_headers() -> list[tuple[str, str]]:
    """``sentry-trace`` / ``baggage`` for the active span (or the scope's trace)."""

    client = get_client()
    if not client.is_active() or not client.options.propagate_traces:
        return []
    try:
        return list(get_current_scope().iter_trace_propagation_headers())
    except Exception:
        return []


def start_client_span(kind: str, method: str) -> Any:
    """The ``grpc.client`` span of one call (not entered)."""
    from sentry_lite import api

    span = api.start_span(op=OP_CLIENT, name=f"{kind} call to {method}", origin=SPAN_ORIGIN)
    span.set_data("type", kind)
    span.set_data("method", method)
    return span


def record_code(span: Any, code: Any) -> None:
    status = span_status(code)
    if status is not None:
        span.set_data("code", code.name)
        span.set_status(status)


@contextmanager
def server_call(name: str, context: Any) -> Iterator[Any]:
    """One server call: a fresh isolation scope, the caller's trace continued (from the
    invocation metadata), a ``grpc.server`` transaction named ``name``, its status from the
    code the handler set. An exception is reported and raised again, unless the handler
    aborted with a status code (``context.abort``): that is an answer, not a crash."""
    from sentry_lite import api
    from sentry_lite._blocks import isolation_scope

    with isolation_scope():
        carrier = {}
        for key, value in _metadata(context):
            if isinstance(value, str):
                carrier[key] = value
        tx = api.continue_trace(carrier, op=OP_SERVER, name=name, source="custom",
                                origin=SPAN_ORIGIN)  # fmt: skip
        with api.start_transaction(tx) as transaction:
            try:
                yield transaction
            except Exception:
                code = _code(context)
                if code is None or code.name == "OK":
                    import sys

                    capture_exc(sys.exc_info(), {"type": "grpc", "handled": False})
                else:
                    record_code(transaction, code)
                raise
            record_code(transaction, _code(context) or _OK)


class _Ok:
    name = "OK"


_OK = _Ok()


def _metadata(context: Any) -> Any:
    try:
        return context.invocation_metadata() or ()
    except Exception:
        return ()


def _code(context: Any) -> Any:
    try:
        return context.code()
    except Exception:  # older grpcio: no ServicerContext.code()
        return None


__all__ = [
    "IDENTIFIER", "enabled", "method_name", "propagation_headers", "record_code", "server_call",
    "span_status", "start_client_span",
]  # fmt: skip
