"""Names a sentry_sdk-shaped module holds without defining them, found on first use.

Two kinds, both resolved lazily from a module's ``__getattr__``:

- ``find(name, *modules)``: a name the official module re-exports from a neighbour
  (``SPANDATA`` in ``sentry_sdk.tracing``, ``capture_internal_exceptions`` in
  ``sentry_sdk.scope``...): looked up in the modules named for it, then in those where
  the official SDK keeps most such names (``utils``, ``consts``, ``_types``), so that a
  name that moves between those stays found;
- ``lookup(module, name, namespace)``: a name the official module holds only because its
  own code imports it (``sentry_sdk.client.serialize``, ``sentry_sdk.scrubber.AnnotatedValue``...),
  which code written for the official SDK sometimes imports from there: ``ELSEWHERE`` says
  where each lives in sentry_lite.
"""

from __future__ import annotations

import importlib

from sentry_lite._event.defaults import sdk_info

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SDK_INFO = sdk_info([])  # the ``sdk`` of events, before integrations are known
_MISSING = object()
_UTILS = "sentry_lite.utils"
_CONSTS = "sentry_lite.consts"
_COMMON = (_UTILS, _CONSTS, "sentry_lite._types")


def find(name: str, *modules: str) -> Any:
    """``name`` from the first of ``modules`` (then the common ones) that has it; raises
    ``AttributeError`` when none does (or none can be imported)."""
    for module_name in (*modules, *_COMMON):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        value = getattr(module, name, _MISSING)
        if value is not _MISSING:
            return value
    raise AttributeError(name)


ELSEWHERE: dict[str, dict[str, str]] = {
    "sentry_lite.client": {
        "AnnotatedValue": "sentry_lite._types",
        "EventScrubber": "sentry_lite.scrubber",
        "DedupeIntegration": "sentry_lite.integrations.dedupe",
        "serialize": "sentry_lite.serializer",
        "check_uwsgi_thread_support": "sentry_lite._compat",
        "SDK_INFO": "sentry_lite._reexport",
        **dict.fromkeys(("ClientConstructor", "DEFAULT_OPTIONS", "INSTRUMENTER", "SPANDATA",
                         "SPANSTATUS", "VERSION"), _CONSTS),
        **dict.fromkeys(("capture_internal_exceptions", "current_stacktrace",
                         "datetime_from_isoformat", "deprecation_warning", "env_to_bool",
                         "format_timestamp", "get_before_send_log", "get_before_send_metric",
                         "get_before_send_span", "get_default_release", "get_sdk_name",
                         "get_type_name", "handle_in_app", "has_data_collection_enabled"), _UTILS),
        "get_options": "sentry_lite._constructor",
        "SessionFlusher": "sentry_lite.sessions",
        **dict.fromkeys(("Profile", "has_profiling_enabled", "setup_profiler"),
                        "sentry_lite.profiler.transaction_profiler"),
        "setup_continuous_profiler": "sentry_lite.profiler.continuous_profiler",
        **dict.fromkeys(("Envelope", "Item", "PayloadRef"), "sentry_lite.envelope"),
    },
    "sentry_lite.envelope": {
        "capture_internal_exceptions": _UTILS, "Session": "sentry_lite.session",
    },
    "sentry_lite.scrubber": dict.fromkeys(
        ("AnnotatedValue", "capture_internal_exceptions", "iter_event_frames"), _UTILS
    ),
    "sentry_lite.attachments": dict.fromkeys(("Item", "PayloadRef"), "sentry_lite.envelope"),
}


def lookup(module: str, name: str, namespace: dict[str, Any]) -> Any:
    """The value of ``module.name`` from its sentry_lite home, cached in ``namespace``."""
    home = ELSEWHERE.get(module, {}).get(name)
    if home is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    namespace[name] = value
    return value


__all__ = ["ELSEWHERE", "SDK_INFO", "find", "lookup"]
