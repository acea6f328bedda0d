"""``sentry_sdk.tracing_utils``: the tracing helpers integrations import.

A facade: the code lives in ``sentry_lite.tracing``. Names the official module re-exports from
its other modules (``OP`` and ``SPANDATA`` from ``consts``, ``safe_repr`` from ``utils``...)
resolve from those modules on first use.
"""

from __future__ import annotations

from sentry_lite.tracing._baggage import Baggage
from sentry_lite.tracing._continue import (
    EnvironHeaders,
    extract_sentrytrace_data,
    normalize_incoming_data,
)
from sentry_lite.tracing._decorator import create_span_decorator
from sentry_lite.tracing._helpers import (
    add_sentry_baggage_to_headers,
    get_current_span,
    has_span_streaming_enabled,
    has_tracing_enabled,
    is_sentry_url,
    propagate_trace_headers,
    should_propagate_trace,
    should_truncate_gen_ai_input,
)
from sentry_lite.tracing._propagation import PropagationContext
from sentry_lite.tracing._sources import (
    add_http_breadcrumb,
    add_http_request_source,
    add_query_source,
    add_source,
    maybe_create_breadcrumbs_from_span,
    record_sql_queries,
)
from sentry_lite.tracing._span import Span
from sentry_lite.tracing._status import LOW_QUALITY_TRANSACTION_SOURCES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SENTRY_TRACE_HEADER_NAME = "sentry-trace"
BAGGAGE_HEADER_NAME = "baggage"

_ELSEWHERE = {
    "OP": "sentry_lite.consts",
    "SPANDATA": "sentry_lite.consts",
    "SPANTEMPLATE": "sentry_lite.consts",
    "capture_internal_exceptions": "sentry_lite.utils",
    "filename_for_module": "sentry_lite.utils",
    "has_data_collection_enabled": "sentry_lite.utils",
    "is_valid_sample_rate": "sentry_lite.utils",
    "logger": "sentry_lite.utils",
    "match_regex_list": "sentry_lite.utils",
    "qualname_from_function": "sentry_lite.utils",
    "safe_repr": "sentry_lite.utils",
    "to_string": "sentry_lite.utils",
    "try_convert": "sentry_lite.utils",
    "LOW_QUALITY_SEGMENT_SOURCES": "sentry_lite.traces",
    "StreamedSpan": "sentry_lite.traces",
    "create_streaming_span_decorator": "sentry_lite.traces",
    "get_url_attributes": "sentry_lite.traces",
    "is_ignored_span": "sentry_lite.traces",
}
_RENAMED = {"start_streaming_span": ("sentry_lite.traces", "start_span")}


def __getattr__(name: str) -> Any:
    module, attribute = _ELSEWHERE.get(name), name
    if module is None:
        module, attribute = _RENAMED.get(name, (None, name))
    if module is None:
        raise AttributeError(f"module 'sentry_lite.tracing_utils' has no attribute {name!r}")
    from sentry_lite._reexport import find

    try:
        value = find(attribute, module)
    except AttributeError:
        raise AttributeError(
            f"module 'sentry_lite.tracing_utils' has no attribute {name!r}"
        ) from None
    globals()[name] = value
    return value


__all__ = [
    "BAGGAGE_HEADER_NAME",
    "LOW_QUALITY_TRANSACTION_SOURCES",
    "SENTRY_TRACE_HEADER_NAME",
    "Baggage",
    "EnvironHeaders",
    "PropagationContext",
    "Span",
    "add_http_breadcrumb",
    "add_http_request_source",
    "add_query_source",
    "add_sentry_baggage_to_headers",
    "add_source",
    "create_span_decorator",
    "extract_sentrytrace_data",
    "get_current_span",
    "has_span_streaming_enabled",
    "has_tracing_enabled",
    "is_sentry_url",
    "maybe_create_breadcrumbs_from_span",
    "normalize_incoming_data",
    "propagate_trace_headers",
    "record_sql_queries",
    "should_propagate_trace",
    "should_truncate_gen_ai_input",
]
