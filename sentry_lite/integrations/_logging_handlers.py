"""The ``logging.Handler`` classes of ``sentry_sdk.integrations.logging``, for applications that
attach handlers themselves (``logging.config`` files, ``logger.addHandler(EventHandler())``).

The ``LoggingIntegration`` (on by default) already sees every record without a handler; these
do the same work for the records that reach them, with the handler's own level as threshold:

- ``EventHandler`` (alias ``SentryHandler``): each record becomes an event;
- ``BreadcrumbHandler``: each record becomes a breadcrumb.

``SentryLogsHandler`` (records as Sentry Logs) lives in ``_sentry_logs``.

Records of ignored loggers (``ignore_logger``, ``_IGNORED_LOGGERS``) are skipped.
"""

from __future__ import annotations

import logging

from sentry_lite.integrations.logging import (
    LOGGING_TO_EVENT_LEVEL,
    ignored,
    record_as_breadcrumb,
    record_as_event,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import MutableMapping
    from typing import Any


class _BaseHandler(logging.Handler):
    COMMON_RECORD_ATTRS = frozenset((
        "args", "created", "exc_info", "exc_text", "filename", "funcName", "levelname",
        "levelno", "linenno", "lineno", "message", "module", "msecs", "msg", "name",
        "pathname", "process", "processName", "relativeCreated", "stack", "tags", "taskName",
        "thread", "threadName", "stack_info",
    ))

    def _logging_to_event_level(self, record: logging.LogRecord) -> str:
        return LOGGING_TO_EVENT_LEVEL.get(
            record.levelno, record.levelname.lower() if record.levelname else ""
        )

    def _extra_from_record(self, record: logging.LogRecord) -> MutableMapping[str, object]:
        return {
            key: value
            for key, value in vars(record).items()
            if key not in self.COMMON_RECORD_ATTRS
            and (not isinstance(key, str) or not key.startswith("_"))
        }

    def _can_record(self, record: logging.LogRecord) -> bool:
        return not ignored(record.name.strip())


class EventHandler(_BaseHandler):
    """A handler that captures every record it gets as a Sentry event."""

    def emit(self, record: logging.LogRecord) -> Any:
        try:
            self.format(record)
        except Exception:
            pass
        if self._can_record(record):
            record_as_event(record)


SentryHandler = EventHandler


class BreadcrumbHandler(_BaseHandler):
    """A handler that records every record it gets as a breadcrumb."""

    def emit(self, record: logging.LogRecord) -> Any:
        try:
            self.format(record)
        except Exception:
            pass
        if self._can_record(record):
            record_as_breadcrumb(record)


__all__ = ["BreadcrumbHandler", "EventHandler", "SentryHandler"]
