"""Exceptions Python cannot raise (``__del__``, finalizers) reach ``sys.unraisablehook``."""

from __future__ import annotations

import gc
import sys
from typing import Any

from sentry_lite._loopback import LoopbackServer
from sentry_lite.integrations.unraisablehook import UnraisablehookIntegration


class Leaky:
    def __del__(self) -> None:
        raise ValueError("failed to close the handle")


def drop_one() -> None:
    Leaky()
    gc.collect()


def test_an_exception_in_del_is_captured_and_still_printed(sentry_init, sentry_events) -> None:
    printed: list[Any] = []
    original = sys.unraisablehook
    sys.unraisablehook = printed.append
    try:
        sentry_init(integrations=[UnraisablehookIntegration()])
        drop_one()
        UnraisablehookIntegration.uninstall()
        assert sys.unraisablehook == printed.append
    finally:
        sys.unraisablehook = original
    (event,) = sentry_events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["value"] == "failed to close the handle"
    assert exception["mechanism"] == {"type": "unraisablehook", "handled": False}
    assert exception["stacktrace"]["frames"][-1]["function"] == "__del__"
    assert [type(u.exc_value) for u in printed] == [ValueError]


def test_nothing_without_the_integration(sentry_init, sentry_events) -> None:
    original = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        sentry_init(integrations=[UnraisablehookIntegration()])
        sentry_init()  # a client without it
        drop_one()
    finally:
        UnraisablehookIntegration.uninstall()
        sys.unraisablehook = original
    assert sentry_events == []


def test_a_script_reports_an_unraisable_exception(python) -> None:
    with LoopbackServer() as server:
        result = python(
            f"""
            import sentry_lite
            from sentry_lite.integrations.unraisablehook import UnraisablehookIntegration
            sentry_lite.init(dsn={server.dsn!r}, integrations=[UnraisablehookIntegration()])

            def gen():
                try:
                    yield 1
                finally:
                    raise RuntimeError("cleanup failed")

            g = gen(); next(g); del g
            """
        )
        assert server.wait_for_events(1, timeout=10)
        (event,) = server.events
    assert result.returncode == 0
    assert "cleanup failed" in result.stderr  # the default hook still printed it
    assert event["exception"]["values"][-1]["mechanism"]["type"] == "unraisablehook"
