"""The loguru integration, with loguru's real ``logger``."""

from __future__ import annotations

import json
from typing import Any

import pytest

loguru = pytest.importorskip("loguru")

from loguru import logger  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.loguru import LoggingLevels, LoguruIntegration  # noqa: E402


def _log_crumbs(event: dict[str, Any]) -> list[dict[str, Any]]:
    crumbs = event.get("breadcrumbs", {}).get("values", [])
    return [crumb for crumb in crumbs if crumb.get("type") == "log"]


def test_records_become_breadcrumbs_and_errors_events(sentry_init, sentry_events) -> None:
    sentry_init(integrations=[LoguruIntegration()])
    logger.debug("too low for a breadcrumb")
    logger.info("cart has {} items", 3)
    logger.success("paid")
    logger.bind(order=42).warning("slow payment")
    logger.error("payment failed")

    (event,) = sentry_events
    assert event["level"] == "error"
    assert event["logger"] == __name__
    assert event["logentry"]["message"].endswith(" - payment failed")
    assert "| ERROR    |" in event["logentry"]["message"]  # loguru's default format
    crumbs = _log_crumbs(event)
    assert [c["level"] for c in crumbs] == ["info", "info", "warning"]
    assert crumbs[0]["message"].endswith(" - cart has 3 items")
    assert crumbs[0]["category"] == __name__
    assert crumbs[2]["data"] == {"extra": {"order": 42}}


def test_an_exception_becomes_an_exception_event(sentry_init, sentry_events) -> None:
    sentry_init(integrations=[LoguruIntegration()])
    try:
        dict[str, int]()["missing"]
    except KeyError:
        logger.exception("lookup failed")
    (event,) = sentry_events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "KeyError"
    assert exception["mechanism"] == {"type": "logging", "handled": True}
    assert event["level"] == "error"


def test_levels_formats_and_switching_off(sentry_init, sentry_events) -> None:
    sentry_init(integrations=[LoguruIntegration(level=LoggingLevels.WARNING.value,
                                                event_level=LoggingLevels.CRITICAL.value,
                                                event_format="{level}: {message}",
                                                breadcrumb_format="{message}")])
    logger.info("not a breadcrumb")
    logger.warning("a breadcrumb")
    logger.error("only a breadcrumb")
    logger.critical("the end")
    (event,) = sentry_events
    assert event["level"] == "fatal"
    assert event["logentry"]["message"].startswith("CRITICAL: the end")
    assert [c["message"].strip() for c in _log_crumbs(event)] == [
        "a breadcrumb", "only a breadcrumb"
    ]

    sentry_init(integrations=[LoguruIntegration(level=None, event_level=None)])
    logger.error("nothing now")
    sentry_lite.capture_message("marker")
    assert sentry_events[-1]["message"] == "marker"
    assert "nothing now" not in json.dumps(sentry_events[-1])


def test_switches_on_by_itself_and_uninstall_removes_its_sinks(sentry_init) -> None:
    # loguru's private table of sinks, which its type stubs leave out
    handlers_before = dict(logger._core.handlers)  # type: ignore[attr-defined]
    client = sentry_init()
    assert "loguru" in client.integrations
    assert len(logger._core.handlers) == len(handlers_before) + 2  # type: ignore[attr-defined]
    LoguruIntegration.uninstall()
    assert dict(logger._core.handlers).keys() == handlers_before.keys()  # type: ignore[attr-defined]


def test_the_sdks_own_records_are_not_reported(sentry_init, sentry_events) -> None:
    sentry_init(integrations=[LoguruIntegration()])
    logger.patch(lambda record: record.update({"name": "sentry_lite.transport"})).error("ours")
    sentry_lite.capture_message("marker")
    (event,) = sentry_events
    assert "ours" not in json.dumps(event)
