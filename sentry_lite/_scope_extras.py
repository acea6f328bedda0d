"""Module-level names of ``sentry_sdk.scope`` that ``sentry_lite.scope`` serves on first use:
``ScopeType``, the external propagation context registry, and the names the
official module re-exports from its other modules. Kept out of ``import sentry_lite``.
"""

from __future__ import annotations

from sentry_lite._flags import DEFAULT_FLAG_CAPACITY

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_scope_type: list[Any] = []


def scope_type() -> Any:
    """``sentry_lite.scope.ScopeType``, made on first use (``enum`` stays out of the import)."""
    if not _scope_type:
        from enum import Enum

        members = {"CURRENT": "current", "ISOLATION": "isolation", "GLOBAL": "global",
                   "MERGED": "merged"}
        _scope_type.append(Enum("ScopeType", members, module="sentry_lite.scope"))
    return _scope_type[0]


# Names the official sentry_sdk.scope re-exports from its other modules.
_ELSEWHERE = {
    name: (module, name)
    for module, names in (
        ("sentry_lite.tracing", ("BAGGAGE_HEADER_NAME", "SENTRY_TRACE_HEADER_NAME", "NoOpSpan",
                                 "Span", "Transaction", "Baggage", "has_tracing_enabled",
                                 "has_span_streaming_enabled")),
        ("sentry_lite.traces", ("NoOpStreamedSpan", "StreamedSpan", "is_ignored_span")),
        ("sentry_lite.utils", ("AnnotatedValue", "FALSE_VALUES", "capture_internal_exception",
                               "capture_internal_exceptions", "datetime_from_isoformat",
                               "event_from_exception", "exc_info_from_error", "format_attribute",
                               "has_data_collection_enabled", "logger")),
        ("sentry_lite.consts", ("INSTRUMENTER", "SPANDATA")),
        ("sentry_lite._reexport", ("SDK_INFO",)),
        ("sentry_lite.feature_flags", ("FlagBuffer",)),
        ("sentry_lite.profiler", ("Profile", "get_profiler_id", "try_autostart_continuous_profiler",
                                  "try_profile_lifecycle_trace_start")),
        ("sentry_lite.session", ("Session",)),
        ("sentry_lite.client", ("NonRecordingClient",)),
    )
    for name in names
}



def reexported(name: str) -> Any:
    """``ScopeType`` or a name ``sentry_sdk.scope`` re-exports; ``None`` if it is not there."""
    if name == "ScopeType":
        return scope_type()
    if name in _OWN:
        return globals()[name]
    target = _ELSEWHERE.get(name)
    if target is None:
        return None
    from sentry_lite._reexport import find

    try:
        return find(target[1], target[0], target[0] + ".continuous_profiler",
                    target[0] + ".transaction_profiler")
    except AttributeError:
        return None


# An external (OpenTelemetry) trace source: () -> (trace_id, span_id) or None.
_external: list[Callable[[], tuple[str, str] | None]] = []

# -- an external (OpenTelemetry) propagation context -----------------------------------


def register_external_propagation_context(fn: Callable[[], tuple[str, str] | None]) -> None:
    """Register where an external tracer keeps the active ``(trace_id, span_id)``."""
    _external[:] = [fn]


def remove_external_propagation_context() -> None:
    _external.clear()


def get_external_propagation_context() -> tuple[str, str] | None:
    return _external[0]() if _external else None


def has_external_propagation_context() -> bool:
    return bool(_external)


_OWN = frozenset((
    "ScopeType", "DEFAULT_FLAG_CAPACITY", "register_external_propagation_context",
    "remove_external_propagation_context", "get_external_propagation_context",
    "has_external_propagation_context",
))

__all__ = [
    "DEFAULT_FLAG_CAPACITY",
    "get_external_propagation_context",
    "has_external_propagation_context",
    "reexported",
    "register_external_propagation_context",
    "remove_external_propagation_context",
    "scope_type",
]
