"""Log records as Sentry Logs: the part of the logging integration that forwards them.

``LoggingIntegration(sentry_logs_level=...)`` hands every record at that level or above
to :func:`forward` (``SentryLogsHandler`` does the same for the loggers it is added
to). A record becomes a log when the client has ``enable_logs=True`` (or
``LoggingIntegration(capture_sentry_logs=True)``), with the record's parameters, its
``extra`` fields, the logger name and the code location as attributes. Never
forwarded: loggers passed to :func:`ignore_logger_for_sentry_logs`, the SDK's own
``sentry_lite.*`` loggers, records logged by the SDK's own threads, and records logged
while one is being forwarded (so the SDK never reports about itself).

This module imports ``logging``; it is loaded when the application has.
"""

from __future__ import annotations

import logging
import threading
from fnmatch import fnmatchcase

from sentry_lite._attrs import format_attribute
from sentry_lite._batcher import in_batcher
from sentry_lite.integrations import active, in_sdk_thread
from sentry_lite.integrations.logging import (
    _IGNORED_LOGGERS_SENTRY_LOGS,
    SEVERITY_TO_OTEL_SEVERITY,
    ignore_logger_for_sentry_logs,
    unignore_logger_for_sentry_logs,
)
from sentry_lite.scope import get_client, get_current_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_SEVERITY_TEXT = {21: "fatal", 17: "error", 13: "warn", 9: "info", 5: "debug"}
_local = threading.local()
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "taskName", "tags",
}


def severity(levelno: int) -> tuple[int, str]:
    """The OpenTelemetry severity number and text of a logging level."""
    for level, number in SEVERITY_TO_OTEL_SEVERITY.items():  # highest first
        if levelno >= level:
            return number, _SEVERITY_TEXT[number]
    return 0, "default"


def _ignored(name: str) -> bool:
    name = name.strip()
    if name.startswith("sentry_lite.") or name in _IGNORED_LOGGERS_SENTRY_LOGS:
        return True
    return any(fnmatchcase(name, pattern) for pattern in _IGNORED_LOGGERS_SENTRY_LOGS
               if any(ch in pattern for ch in "*?["))


def _enabled(client: Any, capture: bool | None) -> bool:
    if capture is not None:  # LoggingIntegration(capture_sentry_logs=...) decides
        return capture
    return bool(client.options.enable_logs)  # or _experiments' (lifted at init)


def forward(record: logging.LogRecord, capture: bool | None = None) -> None:
    """Turn ``record`` into a Sentry Log if logs are on; never raises."""
    client = get_client()
    if not client.recording or not _enabled(client, capture):
        return
    if getattr(_local, "busy", False) or in_batcher() or in_sdk_thread():
        return
    if _ignored(record.name):
        return
    _local.busy = True
    try:
        client._capture_log(_log_from_record(record, client.options), get_current_scope())
    except Exception:
        pass
    finally:
        _local.busy = False


def _parameters(record: logging.LogRecord, attrs: dict[str, Any]) -> bool:
    args: Any = record.args
    if isinstance(args, tuple):
        items: Any = enumerate(args)
    elif isinstance(args, dict):
        items = args.items()
    else:
        return False
    found = False
    for key, value in items:
        attrs[f"sentry.message.parameter.{key}"] = format_attribute(value)
        found = True
    return found


def _log_from_record(record: logging.LogRecord, options: Any) -> dict[str, Any]:
    number, text = severity(record.levelno)
    attrs: dict[str, Any] = {
        key: format_attribute(value) for key, value in vars(record).items()
        if key not in _STANDARD and not key.startswith("_")
    }
    attrs["sentry.origin"] = "auto.log.stdlib"
    if _parameters(record, attrs) and isinstance(record.msg, str):
        attrs["sentry.message.template"] = record.msg
    _code_attributes(record, attrs, options)
    try:
        body = record.getMessage()
    except Exception:
        body = str(record.msg)
    return {
        "severity_text": text,
        "severity_number": number,
        "body": body,
        "attributes": attrs,
        "time_unix_nano": int(record.created * 1e9),
        "trace_id": None,
        "span_id": None,
    }


def _code_attributes(record: logging.LogRecord, attrs: dict[str, Any], options: Any) -> None:
    if record.lineno:
        attrs["code.line.number"] = record.lineno
    path = record.pathname
    if path:
        root = options.project_root
        attrs["code.file.path"] = path[len(root) + 1:] if root and path.startswith(root) else path
    for name, value in (("code.function.name", record.funcName), ("thread.id", record.thread),
                        ("thread.name", record.threadName), ("process.pid", record.process),
                        ("process.executable.name", record.processName),
                        ("logger.name", record.name)):
        if value:
            attrs[name] = value


class SentryLogsHandler(logging.Handler):
    """A handler that records each log record it handles as a Sentry Log.

    Not needed with the logging integration enabled (it forwards records at
    ``sentry_logs_level`` and above by itself); add it to loggers of your choice when
    the integration is off.
    """

    def emit(self, record: logging.LogRecord) -> None:
        integration = active("logging")
        forward(record, getattr(integration, "capture_sentry_logs", None))


__all__ = ["SentryLogsHandler", "forward", "ignore_logger_for_sentry_logs", "severity",
           "unignore_logger_for_sentry_logs"]
