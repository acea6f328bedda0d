"""Loguru: records at ``level`` become breadcrumbs, at ``event_level`` events.

``LoguruIntegration(level=INFO, event_level=ERROR, breadcrumb_format=..., event_format=...,
sentry_logs_level=INFO, capture_sentry_logs=...)``, as the official SDK's. Two sinks are added
to loguru's ``logger`` (removed again by ``uninstall()``), each a ``logging.Handler``, so that
loguru hands them the message formatted with ``breadcrumb_format`` / ``event_format`` (loguru's
default format unless given) just as the official integration receives it:

- a breadcrumb ``{type: log, level, category: <module>, message: <formatted>, data: {extra}}``;
- an event ``{level, logger: <module>, logentry: {message}}``; with an exception
  (``logger.exception()``, ``logger.opt(exception=...)``) an exception event with
  ``mechanism: {type: logging, handled: true}``.

Levels follow loguru's names: TRACE and DEBUG are ``debug``, INFO and SUCCESS ``info``,
CRITICAL ``fatal``. The levels are read from the integration the current client holds at each
record; the formats are those of the first integration set up in the process. Sentry Logs
(``sentry_logs_level``, ``capture_sentry_logs``) are not sent by sentry_lite: accepted, with a
debug message when asked for.
"""

from __future__ import annotations

import enum
import logging

from sentry_lite import api
from sentry_lite.integrations import DidNotEnable, Integration, active, in_sdk_thread, on_uninstall

try:
    from loguru import logger
    from loguru._defaults import LOGURU_FORMAT as DEFAULT_FORMAT
except ImportError:
    raise DidNotEnable("loguru is not installed") from None

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite.types import Breadcrumb, Event, Hint


class LoggingLevels(enum.IntEnum):
    """Loguru's level numbers (``LoguruIntegration(level=LoggingLevels.INFO.value)``)."""

    TRACE = 5
    DEBUG = 10
    INFO = 20
    SUCCESS = 25
    WARNING = 30
    ERROR = 40
    CRITICAL = 50


DEFAULT_LEVEL = LoggingLevels.INFO.value
DEFAULT_EVENT_LEVEL = LoggingLevels.ERROR.value
_SENTINEL: Any = object()
LEVELS = {"TRACE": "debug", "DEBUG": "debug", "INFO": "info", "SUCCESS": "info",
          "WARNING": "warning", "ERROR": "error", "CRITICAL": "fatal"}


class LoguruIntegration(Integration):
    """Breadcrumbs and events from loguru's ``logger``."""

    identifier = "loguru"

    def __init__(
        self,
        level: int | None = DEFAULT_LEVEL,
        event_level: int | None = DEFAULT_EVENT_LEVEL,
        breadcrumb_format: Any = DEFAULT_FORMAT,
        event_format: Any = DEFAULT_FORMAT,
        sentry_logs_level: int | None = DEFAULT_LEVEL,
        capture_sentry_logs: Any = _SENTINEL,
    ) -> None:
        self.level = level
        self.event_level = event_level
        self.breadcrumb_format = breadcrumb_format
        self.event_format = event_format
        self.sentry_logs_level = sentry_logs_level
        self.capture_sentry_logs = capture_sentry_logs

    @staticmethod
    def setup_once() -> None:
        return None

    def setup_once_with_options(self, options: Any = None) -> None:
        # The event sink first: an event does not carry the breadcrumb of its own record.
        sinks = [
            logger.add(_EventSink(), level=0, format=self.event_format, filter=_wants_event),
            logger.add(_BreadcrumbSink(), level=0, format=self.breadcrumb_format,
                       filter=_wants_breadcrumb),
        ]

        def remove_sinks() -> None:
            for sink_id in sinks:
                try:
                    logger.remove(sink_id)
                except ValueError:
                    pass

        on_uninstall(LoguruIntegration.identifier, remove_sinks)
        if self.capture_sentry_logs is True and options is not None and options.debug:
            from sentry_lite import _log

            _log.log(True, "debug", "loguru: Sentry Logs are not sent by sentry_lite; "
                     "capture_sentry_logs has no effect")


# -- which records (loguru calls these filters before formatting) -----------------------------


def _recordable(record: Any) -> bool:
    name = record.get("name") or ""
    return not name.startswith("sentry_lite") and not in_sdk_thread()


def _wants_breadcrumb(record: Any) -> bool:
    integration = active(LoguruIntegration.identifier)
    if integration is None or integration.level is None:
        return False
    return bool(record["level"].no >= integration.level and _recordable(record))


def _wants_event(record: Any) -> bool:
    integration = active(LoguruIntegration.identifier)
    if integration is None or integration.event_level is None:
        return False
    return bool(record["level"].no >= integration.event_level and _recordable(record))


def sentry_level(record: logging.LogRecord) -> str:
    """The Sentry level of a record loguru built (its ``levelname`` is loguru's name)."""
    name = LEVELS.get(record.levelname)
    if name is not None:
        return name
    number = record.levelno
    if number >= 50:
        return "fatal"
    return "error" if number >= 40 else "warning" if number >= 30 else (
        "info" if number >= 20 else "debug")


def _extra(record: logging.LogRecord) -> dict[str, Any]:
    extra = getattr(record, "extra", None)
    return {"extra": extra} if extra else {}


# -- the sinks ------------------------------------------------------------------------------


class _BreadcrumbSink(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            crumb: Breadcrumb = {
                "type": "log",
                "level": sentry_level(record),
                "category": record.name,
                "message": record.getMessage(),
                "timestamp": record.created,
                "data": _extra(record),
            }
            api.add_breadcrumb(crumb, hint={"log_record": record})
        except Exception:
            pass


class _EventSink(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            _capture(record)
        except Exception:
            pass


def _capture(record: logging.LogRecord) -> None:
    from sentry_lite.scope import get_client, get_current_scope

    exc_info = record.exc_info
    event: Event
    hint: Hint
    if exc_info and exc_info[0] is not None and exc_info[1] is not None:
        from sentry_lite._event.exceptions import event_from_exception

        event, hint = event_from_exception(
            exc_info, get_client().options, {"type": "logging", "handled": True}
        )
    else:
        event, hint = {}, {}
    hint["log_record"] = record
    event["level"] = sentry_level(record)
    event["logger"] = record.name
    message = record.getMessage()
    event["logentry"] = {"message": message, "formatted": message, "params": []}
    extra = _extra(record)
    if extra:
        event["extra"] = extra
    get_current_scope().capture_event(event, hint)


__all__ = ["DEFAULT_EVENT_LEVEL", "DEFAULT_LEVEL", "LoggingLevels", "LoguruIntegration"]
