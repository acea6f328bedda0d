"""Logging: log records become breadcrumbs (INFO and up) and events (ERROR and up).

Every record a logger handles passes through ``Logger.callHandlers``, which is wrapped
(so loggers that do not propagate are seen too); the record still goes to its handlers
as before. Levels are read from the ``LoggingIntegration`` the current client holds:
``level`` for breadcrumbs, ``event_level`` for events, ``None`` turns either off. A
record with ``exc_info`` becomes an exception event (``mechanism: logging, handled:
true``). Never recorded: loggers passed to :func:`ignore_logger`, the SDK's own
``sentry_lite.*`` loggers, and anything logged in the SDK's own worker thread (urllib3's
records about our deliveries), so the SDK never reports about itself.

``logging`` is not imported by ``init()``: the wrap is installed when the application
imports it (at once if it already has).
"""

from __future__ import annotations

from sentry_lite import api
from sentry_lite.integrations import Integration, active, in_sdk_thread, patch
from sentry_lite.integrations._importhook import when_imported

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from types import ModuleType
    from typing import Any

    from sentry_lite.integrations._logging_handlers import (
        BreadcrumbHandler,
        EventHandler,
        SentryHandler,
    )
    from sentry_lite.integrations._sentry_logs import SentryLogsHandler
    from sentry_lite.types import Breadcrumb, Event, Hint

DEFAULT_LEVEL = 20  # logging.INFO
DEFAULT_EVENT_LEVEL = 40  # logging.ERROR

LOGGING_TO_EVENT_LEVEL = {0: "notset", 10: "debug", 20: "info", 30: "warning", 40: "error",
                          50: "fatal"}
# logging level -> OpenTelemetry severity number (for Sentry logs)
SEVERITY_TO_OTEL_SEVERITY = {50: 21, 40: 17, 30: 13, 20: 9, 10: 5}

# The loggers (names or glob patterns) whose records never become breadcrumbs or events.
# This very set is consulted for every record: code that adds to it directly (as code
# written for sentry_sdk does with _IGNORED_LOGGERS) takes effect at once.
_IGNORED_LOGGERS: set[str] = {
    "sentry_lite.errors", "sentry_sdk.errors", "urllib3.connectionpool", "urllib3.connection"
}
_ignored = _IGNORED_LOGGERS
# The same for Sentry's structured logs (SentryLogsHandler).
_IGNORED_LOGGERS_SENTRY_LOGS: set[str] = set(_IGNORED_LOGGERS)
_state: dict[str, Any] = {}
_GLOB = frozenset("*?[")


def ignore_logger(name: str) -> None:
    """Never turn records of logger ``name`` into breadcrumbs or events.

    ``name`` may be a glob pattern (``"myapp.noisy.*"``).
    """
    _IGNORED_LOGGERS.add(name)


def unignore_logger(name: str) -> None:
    """Undo :func:`ignore_logger`."""
    _IGNORED_LOGGERS.discard(name)


def ignore_logger_for_sentry_logs(name: str) -> None:
    """Never send records of logger ``name`` as Sentry logs (``SentryLogsHandler``)."""
    _IGNORED_LOGGERS_SENTRY_LOGS.add(name)


def unignore_logger_for_sentry_logs(name: str) -> None:
    _IGNORED_LOGGERS_SENTRY_LOGS.discard(name)


def _patterns() -> list[str]:
    # The glob entries of the live set, recomputed when its size changes.
    cached = _state.get("patterns")
    if cached is None or cached[0] != len(_IGNORED_LOGGERS):
        globs = [name for name in list(_IGNORED_LOGGERS) if not _GLOB.isdisjoint(name)]
        cached = _state["patterns"] = (len(_IGNORED_LOGGERS), globs)
    patterns: list[str] = cached[1]
    return patterns


def _level_number(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"LoggingIntegration {what} must be a level (int or name) or None")
    if isinstance(value, int):
        return value
    names = {"CRITICAL": 50, "FATAL": 50, "ERROR": 40, "WARNING": 30, "WARN": 30,
             "INFO": 20, "DEBUG": 10, "NOTSET": 0}
    number = names.get(value.upper())
    if number is None:
        raise ValueError(f"LoggingIntegration {what}: unknown level name {value!r}")
    return number


def level_name(levelno: int) -> str:
    """The Sentry level for a logging level number."""
    if levelno >= 50:
        return "fatal"
    if levelno >= 40:
        return "error"
    if levelno >= 30:
        return "warning"
    if levelno >= 20:
        return "info"
    return "debug"


class LoggingIntegration(Integration):
    """Breadcrumbs and events from the ``logging`` module."""

    identifier = "logging"
    # The official SDK's switch for its own records as Sentry logs (structured logs are not
    # sent by sentry_lite yet): kept, as there, on the class.
    capture_sentry_logs: Any = None

    def __init__(
        self,
        level: int | str | None = DEFAULT_LEVEL,
        event_level: int | str | None = DEFAULT_EVENT_LEVEL,
        sentry_logs_level: int | str | None = DEFAULT_LEVEL,
        capture_sentry_logs: bool | None = None,
    ) -> None:
        self.level = _level_number(level, "level")
        self.event_level = _level_number(event_level, "event_level")
        wanted = [n for n in (self.level, self.event_level) if n is not None]
        self._lowest = min(wanted) if wanted else None
        # records at this level and above become Sentry Logs (with enable_logs=True)
        self.sentry_logs_level = _level_number(sentry_logs_level, "sentry_logs_level")
        LoggingIntegration.capture_sentry_logs = capture_sentry_logs  # class-wide, as upstream

    @staticmethod
    def setup_once() -> None:
        when_imported("logging", _install, LoggingIntegration.identifier)


# -- the hook --------------------------------------------------------------------------


def _install(logging_module: ModuleType) -> None:
    import threading

    logger_class = logging_module.Logger
    original = logger_class.callHandlers
    _state["standard"] = _standard_attributes(logging_module)
    _state["local"] = threading.local()

    def callHandlers(self: logging.Logger, record: logging.LogRecord) -> None:
        integration = active(LoggingIntegration.identifier)
        if integration is not None:
            lowest = integration._lowest
            if lowest is not None and record.levelno >= lowest and _recordable(record):
                _record(integration, record)
            logs_level = integration.sentry_logs_level
            if logs_level is not None and record.levelno >= logs_level:
                _forward_log(record, integration.capture_sentry_logs)
        original(self, record)

    patch(LoggingIntegration.identifier, logger_class, "callHandlers", callHandlers)


def _standard_attributes(logging_module: ModuleType) -> frozenset[str]:
    blank = logging_module.LogRecord("", 0, "", 0, "", (), None)
    return frozenset(vars(blank)) | {"message", "asctime", "taskName"}


def _recordable(record: logging.LogRecord) -> bool:
    return not ignored(record.name) and not in_sdk_thread()


def ignored(name: str) -> bool:
    """Whether records of logger ``name`` are kept out of breadcrumbs and events."""
    if name in _IGNORED_LOGGERS or name.startswith("sentry_lite."):
        return True
    patterns = _patterns()
    if patterns:
        from fnmatch import fnmatchcase

        return any(fnmatchcase(name, pattern) for pattern in patterns)
    return False


def _record(integration: LoggingIntegration, record: logging.LogRecord) -> None:
    """Turn ``record`` into an event and/or a breadcrumb; never raises."""
    local = _state["local"]
    if getattr(local, "busy", False):
        return  # a record logged while we capture one: not ours to report
    local.busy = True
    try:
        levelno = record.levelno
        event_level = integration.event_level
        if event_level is not None and levelno >= event_level:
            _capture(record)
        level = integration.level
        if level is not None and levelno >= level:
            api.add_breadcrumb(_breadcrumb(record), hint={"log_record": record})
    except Exception:
        pass
    finally:
        local.busy = False


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:
        return str(record.msg)


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    standard: frozenset[str] | None = _state.get("standard")
    if standard is None:  # a handler used without the integration
        import logging

        standard = _state["standard"] = _standard_attributes(logging)
    return {
        key: value
        for key, value in vars(record).items()
        if key not in standard and not key.startswith("_")
    }


def _breadcrumb(record: logging.LogRecord) -> Breadcrumb:
    return {
        "type": "log",
        "level": level_name(record.levelno),
        "category": record.name,
        "message": _message(record),
        "timestamp": record.created,
        "data": _extras(record),
    }


def record_as_event(record: logging.LogRecord) -> None:
    """Capture ``record`` as an event (what ``EventHandler`` does); never raises."""
    local = _state.get("local")
    if local is not None and getattr(local, "busy", False):
        return
    try:
        _capture(record)
    except Exception:
        pass


def record_as_breadcrumb(record: logging.LogRecord) -> None:
    """Add ``record`` as a breadcrumb (what ``BreadcrumbHandler`` does); never raises."""
    try:
        api.add_breadcrumb(_breadcrumb(record), hint={"log_record": record})
    except Exception:
        pass


def _capture(record: logging.LogRecord) -> None:
    from sentry_lite.scope import get_client, get_current_scope

    client = get_client()
    exc_info = record.exc_info
    event: Event
    hint: Hint
    if exc_info and exc_info[0] is not None and exc_info[1] is not None:
        from sentry_lite._event.exceptions import event_from_exception

        event, hint = event_from_exception(
            exc_info, client.options, {"type": "logging", "handled": True}
        )
    else:
        event, hint = {}, {}
    hint["log_record"] = record
    event["level"] = level_name(record.levelno)
    event["logger"] = record.name
    params = record.args
    event["logentry"] = {
        "message": record.msg if isinstance(record.msg, str) else repr(record.msg),
        "formatted": _message(record),
        "params": list(params) if isinstance(params, (tuple, list)) else params or [],
    }
    extras = _extras(record)
    if extras:
        event["extra"] = extras
    get_current_scope().capture_event(event, hint)


# Names the official module re-exports from its other modules.
_ELSEWHERE = {
    "BaseClient": "sentry_lite.client",
    "capture_internal_exceptions": "sentry_lite.utils",
    "current_stacktrace": "sentry_lite.utils",
    "event_from_exception": "sentry_lite.utils",
    "safe_repr": "sentry_lite.utils",
    "to_string": "sentry_lite.utils",
}
_HANDLERS = frozenset(("EventHandler", "BreadcrumbHandler", "SentryHandler"))


def _forward_log(record: logging.LogRecord, capture: bool | None) -> None:
    from sentry_lite.integrations._sentry_logs import forward

    forward(record, capture)


def __getattr__(name: str) -> Any:
    if name == "SentryLogsHandler":  # Sentry Logs' handler imports logging: loaded when asked
        from sentry_lite.integrations._sentry_logs import SentryLogsHandler

        return SentryLogsHandler
    # The handler classes subclass logging.Handler: loaded when asked for, so that init()
    # does not import logging.
    if name in _HANDLERS:
        from sentry_lite.integrations import _logging_handlers

        return getattr(_logging_handlers, name)
    module = _ELSEWHERE.get(name)
    if module is not None:
        from sentry_lite._reexport import find

        try:
            return find(name, module)
        except AttributeError:
            pass
    raise AttributeError(f"module 'sentry_lite.integrations.logging' has no attribute {name!r}")


__all__ = [
    "DEFAULT_EVENT_LEVEL",
    "DEFAULT_LEVEL",
    "LOGGING_TO_EVENT_LEVEL",
    "SEVERITY_TO_OTEL_SEVERITY",
    "BreadcrumbHandler",
    "EventHandler",
    "LoggingIntegration",
    "SentryHandler",
    "SentryLogsHandler",
    "ignore_logger",
    "ignore_logger_for_sentry_logs",
    "unignore_logger",
    "unignore_logger_for_sentry_logs",
]
