"""sentry_lite: a light, drop-in client for Sentry.

    import sentry_lite as sentry_sdk
    sentry_sdk.init(dsn="https://key@o0.ingest.sentry.io/0")
"""

from __future__ import annotations

from sentry_lite.api import (
    add_attachment,
    add_breadcrumb,
    capture_event,
    capture_exception,
    capture_message,
    configure_scope,
    continue_trace,
    end_session,
    flush,
    flush_async,
    get_baggage,
    get_client,
    get_current_scope,
    get_current_span,
    get_global_scope,
    get_isolation_scope,
    get_traceparent,
    init,
    is_initialized,
    isolation_scope,
    last_event_id,
    new_scope,
    push_scope,
    remove_attribute,
    remove_tag,
    set_attribute,
    set_attributes,
    set_context,
    set_extra,
    set_level,
    set_measurement,
    set_tag,
    set_tags,
    set_transaction_name,
    set_user,
    start_session,
    start_span,
    start_transaction,
    trace,
    update_current_span,
    use_isolation_scope,
    use_scope,
)
from sentry_lite.consts import VERSION
from sentry_lite.scope import Scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite import integrations
    from sentry_lite.alias import install_as_sentry_sdk
    from sentry_lite.client import Client
    from sentry_lite.crons.decorator import monitor
    from sentry_lite.transport import HttpTransport, Transport

# Loaded on first use so that ``import sentry_lite`` stays cheap.
_LAZY: dict[str, tuple[str, str | None]] = {
    "Client": ("sentry_lite.client", "Client"),
    "Transport": ("sentry_lite.transport", "Transport"),
    "HttpTransport": ("sentry_lite.transport._http", "HttpTransport"),
    "integrations": ("sentry_lite.integrations", None),
    "Hub": ("sentry_lite.hub", "Hub"),
    "install_as_sentry_sdk": ("sentry_lite.alias", "install_as_sentry_sdk"),
    "logger": ("sentry_lite.logger", None),
    "metrics": ("sentry_lite.metrics", None),
    "profiler": ("sentry_lite.profiler", None),
    "monitor": ("sentry_lite.crons.decorator", "monitor"),
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        # A submodule (``sentry_lite.transport``, ``.utils``...), as the official SDK
        # exposes them: imported on first access.
        return _submodule(name)
    import importlib

    module = importlib.import_module(target[0])
    value = module if target[1] is None else getattr(module, target[1])
    globals()[name] = value
    return value


def _submodule(name: str) -> Any:
    missing = AttributeError(f"module 'sentry_lite' has no attribute {name!r}")
    if name.startswith("_") or not name.isidentifier():
        raise missing
    import importlib

    try:
        return importlib.import_module(f"sentry_lite.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"sentry_lite.{name}":
            raise
    raise missing


__all__ = [
    "VERSION",
    "Client",
    "HttpTransport",
    "Scope",
    "Transport",
    "add_attachment",
    "add_breadcrumb",
    "capture_event",
    "capture_exception",
    "capture_message",
    "configure_scope",
    "continue_trace",
    "end_session",
    "flush",
    "flush_async",
    "get_baggage",
    "get_client",
    "get_current_scope",
    "get_current_span",
    "get_global_scope",
    "get_isolation_scope",
    "get_traceparent",
    "init",
    "install_as_sentry_sdk",
    "integrations",
    "is_initialized",
    "isolation_scope",
    "last_event_id",
    "monitor",
    "new_scope",
    "push_scope",
    "remove_attribute",
    "remove_tag",
    "set_attribute",
    "set_attributes",
    "set_context",
    "set_extra",
    "set_level",
    "set_measurement",
    "set_tag",
    "set_tags",
    "set_transaction_name",
    "set_user",
    "start_session",
    "start_span",
    "start_transaction",
    "trace",
    "update_current_span",
    "use_isolation_scope",
    "use_scope",
]
