"""The handler classes and names of ``sentry_sdk.integrations.logging`` that applications and
third-party packages use: ``EventHandler``, ``BreadcrumbHandler``, ``SentryLogsHandler``, the
live ``_IGNORED_LOGGERS`` set."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

import sentry_lite
from sentry_lite.integrations import logging as sentry_logging
from sentry_lite.integrations.logging import (
    _IGNORED_LOGGERS,
    LOGGING_TO_EVENT_LEVEL,
    BreadcrumbHandler,
    EventHandler,
    LoggingIntegration,
    SentryHandler,
    ignore_logger,
    ignore_logger_for_sentry_logs,
    unignore_logger,
    unignore_logger_for_sentry_logs,
)

DSN = "https://pk@o12.ingest.sentry.io/5"


@pytest.fixture
def handled() -> Iterator[tuple[logging.Logger, list[logging.Handler]]]:
    """A logger that does not propagate, with the handlers a test attaches removed after."""
    log = logging.getLogger("vendor.lib")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    attached: list[logging.Handler] = []
    yield log, attached
    for handler in attached:
        log.removeHandler(handler)
    log.setLevel(logging.NOTSET)
    log.propagate = True


def _attach(handled: Any, handler: logging.Handler) -> logging.Logger:
    log, attached = handled
    log.addHandler(handler)
    attached.append(handler)
    return log  # type: ignore[no-any-return]


def test_event_and_breadcrumb_handlers_without_the_integration(
    sentry_init: Any, sentry_events: list[Any], handled: Any
) -> None:
    sentry_init(dsn=DSN, default_integrations=False)  # no LoggingIntegration: handlers only
    log = _attach(handled, EventHandler(level=logging.ERROR))
    _attach(handled, BreadcrumbHandler(level=logging.INFO))
    log.debug("below both levels")
    log.info("connected to %s", "db1", extra={"pool": 3})
    log.error("payment failed for %s", "order-7")
    sentry_lite.capture_message("later")
    event, later = sentry_events
    assert event["logger"] == "vendor.lib"
    assert event["level"] == "error"
    assert event["logentry"]["formatted"] == "payment failed for order-7"
    crumbs = event["breadcrumbs"]["values"]
    assert [(c["message"], c["level"], c["category"]) for c in crumbs] == [
        ("connected to db1", "info", "vendor.lib")
    ]
    assert crumbs[0]["data"] == {"pool": 3}
    # the error record became a breadcrumb too, after its event
    assert [c["message"] for c in later["breadcrumbs"]["values"]][-1] == (
        "payment failed for order-7")


def test_event_handler_captures_the_exception(
    sentry_init: Any, sentry_events: list[Any], handled: Any
) -> None:
    sentry_init(dsn=DSN, default_integrations=False)
    log = _attach(handled, SentryHandler())
    assert SentryHandler is EventHandler
    try:
        raise ConnectionError("refused")
    except ConnectionError:
        log.exception("could not connect")
    (exception,) = sentry_events[0]["exception"]["values"]
    assert exception["type"] == "ConnectionError"
    assert exception["mechanism"] == {"type": "logging", "handled": True}


def test_ignored_loggers_is_the_live_set_the_integration_consults(
    sentry_init: Any, sentry_events: list[Any], handled: Any
) -> None:
    sentry_init(dsn=DSN, integrations=[LoggingIntegration(event_level=logging.ERROR)])
    log, _ = handled
    assert sentry_logging._IGNORED_LOGGERS is _IGNORED_LOGGERS
    _IGNORED_LOGGERS.add("vendor.lib")  # what third-party packages do
    try:
        log.error("hidden")
    finally:
        _IGNORED_LOGGERS.discard("vendor.lib")
    log.error("shown")
    _IGNORED_LOGGERS.add("vendor.*")  # a pattern added from outside counts too
    try:
        log.error("hidden by the pattern")
    finally:
        _IGNORED_LOGGERS.discard("vendor.*")
    ignore_logger("vendor.lib")
    log.error("hidden by ignore_logger")
    unignore_logger("vendor.lib")
    log.error("shown again")
    assert [e["logentry"]["formatted"] for e in sentry_events] == ["shown", "shown again"]


def test_ignored_loggers_apply_to_the_handlers_too(
    sentry_init: Any, sentry_events: list[Any], handled: Any
) -> None:
    sentry_init(dsn=DSN, default_integrations=False)
    log = _attach(handled, EventHandler())
    ignore_logger("vendor.*")
    try:
        log.error("hidden")
    finally:
        unignore_logger("vendor.*")
    log.error("shown")
    assert [e["logentry"]["formatted"] for e in sentry_events] == ["shown"]


def test_loggers_ignored_for_sentry_logs_are_a_live_set() -> None:
    from sentry_lite.integrations._sentry_logs import _ignored

    ignore_logger_for_sentry_logs("vendor.lib")
    assert _ignored("vendor.lib")
    unignore_logger_for_sentry_logs("vendor.lib")
    assert not _ignored("vendor.lib")
    sentry_lite.integrations.logging._IGNORED_LOGGERS_SENTRY_LOGS.add("vendor.*")
    try:
        assert _ignored("vendor.lib")
    finally:
        sentry_lite.integrations.logging._IGNORED_LOGGERS_SENTRY_LOGS.discard("vendor.*")


def test_level_table_and_integration_signature() -> None:
    assert LOGGING_TO_EVENT_LEVEL[logging.WARNING] == "warning"
    assert LOGGING_TO_EVENT_LEVEL[logging.CRITICAL] == "fatal"
    integration = LoggingIntegration(level=None, event_level=None, sentry_logs_level=None,
                                     capture_sentry_logs=True)
    assert (integration.level, integration.event_level) == (None, None)
    assert LoggingIntegration.capture_sentry_logs is True
    assert {"urllib3.connectionpool", "sentry_sdk.errors"} <= _IGNORED_LOGGERS
    assert sentry_lite.integrations.logging.DEFAULT_EVENT_LEVEL == logging.ERROR
