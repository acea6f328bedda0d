"""Performance tracking: spans, transactions, sampling and trace propagation.

The public names of ``sentry_sdk.tracing`` (``Span``, ``Transaction``, ``NoOpSpan``, ``trace``,
``TransactionSource``, ``Baggage``...). The modules behind them load on first use, so importing
this package costs nothing. Names the official module re-exports from elsewhere (``SPANDATA``
from ``consts``, ``capture_internal_exceptions`` from ``utils``...) resolve from those modules.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite.tracing._baggage import Baggage
    from sentry_lite.tracing._continue import EnvironHeaders, extract_sentrytrace_data
    from sentry_lite.tracing._decorator import create_span_decorator, trace
    from sentry_lite.tracing._helpers import has_span_streaming_enabled, has_tracing_enabled
    from sentry_lite.tracing._noop import NoOpSpan
    from sentry_lite.tracing._span import Span
    from sentry_lite.tracing._status import (
        LOW_QUALITY_TRANSACTION_SOURCES,
        SOURCE_FOR_STYLE,
        SPANSTATUS,
        TransactionSource,
        get_span_status_from_http_code,
    )
    from sentry_lite.tracing._transaction import Transaction

SENTRY_TRACE_HEADER_NAME = "sentry-trace"
BAGGAGE_HEADER_NAME = "baggage"

_STATUS = "sentry_lite.tracing._status"
_LAZY = {
    "Baggage": "sentry_lite.tracing._baggage",
    "EnvironHeaders": "sentry_lite.tracing._continue",
    "LOW_QUALITY_TRANSACTION_SOURCES": _STATUS,
    "NoOpSpan": "sentry_lite.tracing._noop",
    "SOURCE_FOR_STYLE": _STATUS,
    "SPANSTATUS": _STATUS,
    "Span": "sentry_lite.tracing._span",
    "Transaction": "sentry_lite.tracing._transaction",
    "TransactionSource": _STATUS,
    "create_span_decorator": "sentry_lite.tracing._decorator",
    "get_span_status_from_http_code": _STATUS,
    "extract_sentrytrace_data": "sentry_lite.tracing._continue",
    "has_span_streaming_enabled": "sentry_lite.tracing._helpers",
    "has_tracing_enabled": "sentry_lite.tracing._helpers",
    "trace": "sentry_lite.tracing._decorator",
    # in sentry_sdk.tracing in 1.x (code written then imports them from here)
    "record_sql_queries": "sentry_lite.tracing._sources",
    "maybe_create_breadcrumbs_from_span": "sentry_lite.tracing._sources",
    # re-exported by the official module from its other modules
    "INSTRUMENTER": "sentry_lite.consts",
    "SPANDATA": "sentry_lite.consts",
    "SPANTEMPLATE": "sentry_lite.consts",
    "capture_internal_exceptions": "sentry_lite.utils",
    "get_current_thread_meta": "sentry_lite.utils",
    "is_valid_sample_rate": "sentry_lite.utils",
    "nanosecond_time": "sentry_lite.utils",
    "should_be_treated_as_error": "sentry_lite.utils",
    "get_profiler_id": "sentry_lite.profiler.continuous_profiler",
    "logger": "sentry_lite.utils",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sentry_lite.tracing' has no attribute {name!r}")
    from sentry_lite._reexport import find

    try:
        value = find(name, module)
    except AttributeError:
        raise AttributeError(f"module 'sentry_lite.tracing' has no attribute {name!r}") from None
    globals()[name] = value
    return value


__all__ = [
    "BAGGAGE_HEADER_NAME",
    "LOW_QUALITY_TRANSACTION_SOURCES",
    "SENTRY_TRACE_HEADER_NAME",
    "SOURCE_FOR_STYLE",
    "SPANSTATUS",
    "Baggage",
    "EnvironHeaders",
    "NoOpSpan",
    "Span",
    "Transaction",
    "TransactionSource",
    "create_span_decorator",
    "extract_sentrytrace_data",
    "get_span_status_from_http_code",
    "has_span_streaming_enabled",
    "has_tracing_enabled",
    "trace",
]
