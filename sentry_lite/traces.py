"""``sentry_sdk.traces``: the official SDK's span-streaming API (spans sent one by one).

sentry_lite sends spans inside transactions (``sentry_lite.tracing``) and does not stream
them. This module keeps the names importable: the enums and constants are real,
``continue_trace``/``new_trace`` work on the propagation context, ``get_current_span`` finds no
streamed span, and everything that would create a streamed span raises ``NotImplementedError``
naming what to use instead (``sentry_sdk.start_span`` / ``@sentry_sdk.trace``).
"""

from __future__ import annotations

from enum import Enum

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

SENTRY_TRACE_HEADER_NAME = "sentry-trace"
BAGGAGE_HEADER_NAME = "baggage"

_HOW = (
    "sentry_lite does not implement span streaming (sentry_sdk.traces.{name}); "
    "use sentry_sdk.start_transaction / start_span or @sentry_sdk.trace instead"
)


def _not_implemented(name: str) -> NoReturn:
    raise NotImplementedError(_HOW.format(name=name))


class SpanStatus(str, Enum):
    OK = "ok"
    ERROR = "error"

    def __str__(self) -> str:
        return str(self.value)


class SegmentNameSource(str, Enum):
    COMPONENT = "component"
    CUSTOM = "custom"
    ROUTE = "route"
    TASK = "task"
    URL = "url"
    VIEW = "view"

    def __str__(self) -> str:
        return str(self.value)


LOW_QUALITY_SEGMENT_SOURCES = [SegmentNameSource.URL]

SOURCE_FOR_STYLE = {
    "endpoint": SegmentNameSource.COMPONENT,
    "function_name": SegmentNameSource.COMPONENT,
    "handler_name": SegmentNameSource.COMPONENT,
    "method_and_path_pattern": SegmentNameSource.ROUTE,
    "path": SegmentNameSource.URL,
    "route_name": SegmentNameSource.COMPONENT,
    "route_pattern": SegmentNameSource.ROUTE,
    "uri_template": SegmentNameSource.ROUTE,
    "url": SegmentNameSource.ROUTE,
}


class StreamedSpan:
    """Not implemented: creating one raises ``NotImplementedError``."""

    def __init__(
        self,
        *,
        name: str,
        attributes: dict[str, Any] | None = None,
        active: bool = True,
        scope: Any,
        segment: Any = None,
        trace_id: str | None = None,
        parent_span_id: str | None = None,
        parent_sampled: bool | None = None,
        baggage: Any = None,
        sample_rate: float | None = None,
        sample_rand: float | None = None,
    ) -> None:
        _not_implemented(type(self).__name__)


class NoOpStreamedSpan(StreamedSpan):
    """Not implemented: creating one raises ``NotImplementedError``."""

    def __init__(
        self,
        name: str | None = None,
        attributes: dict[str, Any] | None = None,
        segment: Any = None,
        trace_id: str | None = None,
        parent_span_id: str | None = None,
        parent_sampled: bool | None = None,
        baggage: Any = None,
        sampled: bool | None = False,
        unsampled_reason: str | None = None,
        scope: Any = None,
        sample_rand: float | None = None,
        sample_rate: float | None = None,
    ) -> None:
        _not_implemented(type(self).__name__)


def start_span(
    name: str,
    attributes: dict[str, Any] | None = None,
    parent_span: Any = None,
    active: bool = True,
) -> StreamedSpan:
    """Not implemented: raises ``NotImplementedError``."""
    _not_implemented("start_span")


def trace(
    func: Any = None,
    *,
    name: str | None = None,
    attributes: dict[str, Any] | None = None,
    active: bool = True,
) -> Any:
    """Not implemented: raises ``NotImplementedError`` (``sentry_sdk.trace`` works)."""
    _not_implemented("trace")


def create_streaming_span_decorator(
    name: str | None = None, attributes: dict[str, Any] | None = None, active: bool = True
) -> Any:
    """Not implemented: raises ``NotImplementedError``."""
    _not_implemented("create_streaming_span_decorator")


def get_url_attributes(client: Any, parsed_url: Any) -> dict[str, Any]:
    """Not implemented (attributes of streamed HTTP spans): raises ``NotImplementedError``."""
    _not_implemented("get_url_attributes")


def is_ignored_span(name: str, attributes: dict[str, Any] | None) -> bool:
    """False: the ``ignore_spans`` option is not implemented, so no span is ignored."""
    return False


def get_current_span(scope: Any = None) -> StreamedSpan | None:
    """``None``: there are no streamed spans in sentry_lite."""
    return None


def continue_trace(incoming: dict[str, Any]) -> None:
    """Continue the trace of incoming headers on the isolation scope (the propagation
    context that errors, logs and outgoing requests use)."""
    from sentry_lite.scope import get_isolation_scope

    get_isolation_scope().continue_trace(incoming)


def new_trace() -> None:
    """Start a new trace on the isolation and current scopes."""
    from sentry_lite.scope import get_current_scope, get_isolation_scope

    get_isolation_scope().set_new_propagation_context()
    get_current_scope().set_new_propagation_context()


_ELSEWHERE = {
    "Baggage": "sentry_lite.tracing._baggage",
    "has_span_streaming_enabled": "sentry_lite.tracing._helpers",
    "SPANDATA": "sentry_lite.consts",
    "capture_internal_exceptions": "sentry_lite.utils",
    "format_attribute": "sentry_lite.utils",
    "get_current_thread_meta": "sentry_lite.utils",
    "nanosecond_time": "sentry_lite.utils",
    "should_be_treated_as_error": "sentry_lite.utils",
    "get_profiler_id": "sentry_lite.profiler",
    "try_autostart_continuous_profiler": "sentry_lite.profiler",
    "try_profile_lifecycle_trace_start": "sentry_lite.profiler",
}


def __getattr__(name: str) -> Any:
    module = _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'sentry_lite.traces' has no attribute {name!r}")
    from sentry_lite._reexport import find

    try:
        value = find(name, module, module + ".continuous_profiler")
    except AttributeError:
        raise AttributeError(f"module 'sentry_lite.traces' has no attribute {name!r}") from None
    globals()[name] = value
    return value
