"""Logging: records become breadcrumbs and events; the SDK never reports about itself."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

import sentry_lite
from sentry_lite._loopback import LoopbackServer
from sentry_lite.integrations.logging import LoggingIntegration, ignore_logger


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    """An application logger that lets INFO through, with a handler that keeps the output."""
    log = logging.getLogger("shop.checkout")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    kept: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept.append(record.getMessage())

    handler = Keep()
    log.addHandler(handler)
    log.kept = kept  # type: ignore[attr-defined]
    yield log
    log.removeHandler(handler)
    log.setLevel(logging.NOTSET)
    log.propagate = True


def test_error_with_exc_info_inside_a_request_is_one_event_with_info_breadcrumbs(
    sentry_init, sentry_events, logger
) -> None:
    sentry_init()
    with sentry_lite.isolation_scope():
        logger.debug("too low for a breadcrumb")
        logger.info("cart %s has %d items", "c-1", 3, extra={"user_id": 7})
        logger.warning("payment slow")
        try:
            dict[str, int]()["card"]
        except KeyError:
            logger.error("payment for %s failed", "c-1", exc_info=True)
    assert logger.kept[-1] == "payment for c-1 failed"  # the handlers still ran
    assert len(sentry_events) == 1
    event = sentry_events[0]
    assert event["logger"] == "shop.checkout"
    assert event["level"] == "error"
    assert event["logentry"] == {
        "message": "payment for %s failed",
        "formatted": "payment for c-1 failed",
        "params": ["c-1"],
    }
    assert event["exception"]["values"][-1]["type"] == "KeyError"
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "logging", "handled": True}
    crumbs = event["breadcrumbs"]["values"]
    assert [c["message"] for c in crumbs] == ["cart c-1 has 3 items", "payment slow"]
    assert crumbs[0]["type"] == "log"
    assert crumbs[0]["category"] == "shop.checkout"
    assert crumbs[0]["level"] == "info"
    assert crumbs[0]["data"] == {"user_id": 7}
    assert crumbs[1]["level"] == "warning"


def test_request_breadcrumbs_stay_in_their_request(sentry_init, sentry_events, logger) -> None:
    sentry_init()
    with sentry_lite.isolation_scope():
        logger.info("in request one")
    with sentry_lite.isolation_scope():
        logger.error("in request two")
    assert "breadcrumbs" not in sentry_events[0]


def test_message_events_and_extras(sentry_init, sentry_events, logger) -> None:
    sentry_init()
    logger.critical("disk %s full", "/var", extra={"free": 0})
    event = sentry_events[0]
    assert event["level"] == "fatal"
    assert "exception" not in event
    assert event["logentry"]["formatted"] == "disk /var full"
    assert event["extra"]["free"] == 0


def test_the_error_record_is_a_breadcrumb_for_later_events(
    sentry_init, sentry_events, logger
) -> None:
    sentry_init()
    logger.error("first failure")
    sentry_lite.capture_message("later")
    assert [c["message"] for c in sentry_events[1]["breadcrumbs"]["values"]] == ["first failure"]


def test_levels_are_configurable_and_none_turns_events_off(
    sentry_init, sentry_events, logger
) -> None:
    sentry_init(integrations=[LoggingIntegration(level=logging.WARNING, event_level=None)])
    logger.info("not a crumb")
    logger.warning("a crumb")
    logger.critical("no event")
    assert sentry_events == []
    sentry_lite.capture_message("probe")
    assert [c["message"] for c in sentry_events[0]["breadcrumbs"]["values"]] == [
        "a crumb",
        "no event",
    ]


def test_level_names_are_accepted(sentry_init, sentry_events, logger) -> None:
    sentry_init(integrations=[LoggingIntegration(level=None, event_level="WARNING")])
    logger.warning("now an event")
    assert sentry_events[0]["level"] == "warning"
    with pytest.raises(ValueError):
        LoggingIntegration(event_level="LOUD")


def test_ignore_logger(sentry_init, sentry_events) -> None:
    sentry_init()
    ignore_logger("noisy.lib")
    ignore_logger("chatty.*")
    noisy = logging.getLogger("noisy.lib")
    chatty = logging.getLogger("chatty.sub")
    for log in (noisy, chatty):
        log.propagate = False
        log.error("ignored")
        log.propagate = True
    logging.getLogger("quiet.lib").propagate = False
    logging.getLogger("quiet.lib").error("kept")
    logging.getLogger("quiet.lib").propagate = True
    assert [e["logentry"]["formatted"] for e in sentry_events] == ["kept"]


def test_a_broken_format_string_still_reports(sentry_init, sentry_events) -> None:
    sentry_init()
    standalone = logging.Logger("standalone")  # outside the hierarchy: no pytest handlers
    standalone.addHandler(logging.NullHandler())
    standalone.error("%d items", "not a number")
    assert sentry_events[0]["logentry"]["formatted"] == "%d items"


def test_sdk_debug_logging_creates_no_events(sentry_init, sentry_events, capsys) -> None:
    def broken_sampler(event, hint):
        raise RuntimeError("bug in error_sampler")

    everything = LoggingIntegration(level=logging.DEBUG, event_level=logging.DEBUG)
    sentry_init(debug=True, error_sampler=broken_sampler, integrations=[everything])
    sentry_lite.capture_message("the only event")
    assert "error_sampler raised" in capsys.readouterr().err  # the SDK did log an error
    assert [e.get("message") for e in sentry_events] == ["the only event"]
    assert "breadcrumbs" not in sentry_events[0]


def test_urllib3_records_in_the_worker_never_loop_back() -> None:
    urllib3_logger = logging.getLogger("urllib3")
    urllib3_logger.setLevel(logging.DEBUG)
    try:
        with LoopbackServer() as server:
            sentry_lite.init(
                dsn=server.dsn,
                debug=True,
                integrations=[LoggingIntegration(level=logging.DEBUG, event_level=logging.DEBUG)],
            )
            sentry_lite.capture_message("one")
            sentry_lite.flush(5)
            sentry_lite.capture_message("two")
            sentry_lite.flush(5)
            events = server.events
    finally:
        urllib3_logger.setLevel(logging.NOTSET)
    assert [e["message"] for e in events] == ["one", "two"]
    assert "breadcrumbs" not in events[1]
