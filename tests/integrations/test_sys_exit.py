"""sys.exit with a failure status is reported; successful exits only on request."""

from __future__ import annotations

import sys

import pytest

from sentry_lite._loopback import LoopbackServer
from sentry_lite.integrations.sys_exit import SysExitIntegration


def exit_with(status: object) -> None:
    with pytest.raises(SystemExit) as raised:
        sys.exit(status)  # type: ignore[arg-type]  # any object, as sys.exit takes
    assert raised.value.code == status


def test_a_failure_status_is_captured_and_still_exits(sentry_init, sentry_events) -> None:
    sentry_init(integrations=[SysExitIntegration()])
    exit_with(3)
    exit_with("bad config")
    assert len(sentry_events) == 2
    for event, value in zip(sentry_events, ("3", "bad config"), strict=True):
        (exception,) = event["exception"]["values"]
        assert exception["type"] == "SystemExit"
        assert exception["value"] == value
        assert exception["mechanism"] == {"type": "sys_exit", "handled": False}


@pytest.mark.parametrize("status", [0, None])
def test_successful_exits_are_left_alone(sentry_init, sentry_events, status) -> None:
    sentry_init(integrations=[SysExitIntegration()])
    exit_with(status)
    raise_directly = pytest.raises(SystemExit)
    with raise_directly:
        raise SystemExit(4)  # not a sys.exit() call: not seen, as upstream
    assert sentry_events == []


def test_successful_exits_on_request(sentry_init, sentry_events) -> None:
    sentry_init(integrations=[SysExitIntegration(capture_successful_exits=True)])
    exit_with(0)
    (event,) = sentry_events
    assert event["exception"]["values"][0]["mechanism"]["type"] == "sys_exit"


def test_off_without_the_integration_and_restored_on_uninstall(sentry_init, sentry_events):
    original = sys.exit
    sentry_init(integrations=[SysExitIntegration()])
    assert sys.exit is not original
    sentry_init()  # a client without it: the patch passes through
    exit_with(5)
    assert sentry_events == []
    SysExitIntegration.uninstall()
    assert sys.exit is original


def test_a_script_that_exits_reports_before_the_process_ends(python) -> None:
    with LoopbackServer() as server:
        result = python(
            f"""
            import sys, sentry_lite
            from sentry_lite.integrations.sys_exit import SysExitIntegration
            sentry_lite.init(dsn={server.dsn!r}, integrations=[SysExitIntegration()])
            sys.exit(7)
            """
        )
        assert server.wait_for_events(1, timeout=10)
        (event,) = server.events
    assert result.returncode == 7
    assert event["exception"]["values"][0]["value"] == "7"
