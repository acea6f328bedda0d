"""The public testing kit, used the way an application's test suite would use it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest

import sentry_lite
from sentry_lite.testing import Capturing, CapturingTransport, assert_valid_event, relay_errors

if TYPE_CHECKING:
    from sentry_lite.types import Event

pytest_plugins = ["pytester"]


def checkout(region: str) -> None:
    """Application code under test: reports through sentry_lite, knows nothing of tests."""
    sentry_lite.set_tag("region", region)
    try:
        raise RuntimeError("payment declined")
    except RuntimeError:
        sentry_lite.capture_exception()


def test_checkout(sentry_events: list[Any]) -> None:
    checkout(region="eu")
    assert sentry_events[0]["tags"]["region"] == "eu"
    assert sentry_events[0]["exception"]["values"][0]["value"] == "payment declined"


def test_application_init_inside_the_test_is_captured_too(sentry_events: list[Any]) -> None:
    # The application calls init() with a real DSN; the kit keeps it off the network.
    sentry_lite.init(dsn="https://key@example.invalid/1")
    sentry_lite.capture_message("from the app's own client")
    assert [e["message"] for e in sentry_events] == ["from the app's own client"]


def test_envelopes_and_lost_fixtures(
    sentry_init: Any, sentry_envelopes: list[Any], sentry_lost: list[Any]
) -> None:
    sentry_init(before_send=lambda e, h: None if e["message"] == "no" else e)
    sentry_lite.capture_message("yes")
    sentry_lite.capture_message("no")
    assert [env.get_event()["message"] for env in sentry_envelopes] == ["yes"]
    assert sentry_lost == [("before_send", "error", 1)]


def test_scopes_are_fresh_in_every_test_part_1() -> None:
    sentry_lite.set_tag("leak", "check")
    sentry_lite.get_global_scope().set_tag("leak", "check")


def test_scopes_are_fresh_in_every_test_part_2(sentry_events: list[Any]) -> None:
    sentry_lite.capture_message("x")
    assert "tags" not in sentry_events[0]


def test_capturing_transport_outside_pytest_fixtures() -> None:
    transport = CapturingTransport()
    sentry_lite.init(transport=transport)
    sentry_lite.capture_message("direct")
    assert transport.events[0]["message"] == "direct"
    with Capturing() as capture:
        sentry_lite.init()
        sentry_lite.capture_message("routed")
    assert capture.events[0]["message"] == "routed"


def test_relay_validation_helpers() -> None:
    good: Event = {"event_id": "a" * 32, "timestamp": 1.0, "platform": "python", "message": "m"}
    assert relay_errors(good) == []
    assert_valid_event(good)
    # a crumb key Relay does not know, on purpose
    bad = cast("Event", {**good, "breadcrumbs": {"values": [{"timestamp": 1.0, "unknown_key": 1}]}})
    assert relay_errors(bad)
    with pytest.raises(AssertionError, match="Relay"):
        assert_valid_event(bad)


def test_fixtures_are_found_by_a_project_with_no_conftest(pytester: Any) -> None:
    pytester.makepyfile(
        test_user_app="""
        import sentry_lite

        def test_region(sentry_events):
            sentry_lite.set_tag("region", "eu")
            sentry_lite.capture_message("hello")
            assert sentry_events[0]["tags"]["region"] == "eu"

        def test_clean_between_tests(sentry_events):
            sentry_lite.capture_message("again")
            assert "tags" not in sentry_events[0]
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_sentry_server_fixture_receives_real_deliveries(sentry_server: Any) -> None:
    from sentry_lite.testing import LoopbackServer, Reply

    assert isinstance(sentry_server, LoopbackServer) and Reply is not None
    sentry_lite.init(dsn=sentry_server.dsn, transport=None, default_integrations=False)
    sentry_lite.capture_message("over http")
    sentry_lite.flush(timeout=5)
    assert sentry_server.wait_for_events(1)
    assert sentry_server.events[0]["message"] == "over http"
