"""Unhandled exceptions in the main thread: captured, sent before exit, exit status kept."""

from __future__ import annotations

import io
import sys

import sentry_lite
from sentry_lite._loopback import LoopbackServer, Reply
from sentry_lite.integrations.excepthook import ExcepthookIntegration

CRASH = """
import sys
import sentry_lite

def previous_hook(exc_type, exc, tb):
    sys.stderr.write("previous hook saw " + exc_type.__name__ + "\\n")

sys.excepthook = previous_hook
sentry_lite.init(dsn=DSN, OPTIONS)

def load(path):
    try:
        open(path)
    except FileNotFoundError as exc:
        raise RuntimeError("config missing") from exc

load("/nonexistent/config.toml")
"""


def test_unhandled_exception_in_a_script_reaches_the_server(python) -> None:
    with LoopbackServer() as server:
        result = python(f"DSN = {server.dsn!r}\n" + CRASH.replace("OPTIONS", ""))
        assert server.wait_for_events(1, timeout=10)
        events = server.events
    assert result.returncode == 1
    assert "previous hook saw RuntimeError" in result.stderr
    assert len(events) == 1
    values = events[0]["exception"]["values"]
    assert [v["type"] for v in values] == ["FileNotFoundError", "RuntimeError"]
    assert values[-1]["mechanism"] == {"type": "excepthook", "handled": False}
    assert values[-1]["value"] == "config missing"
    assert events[0]["level"] == "error"


def test_exit_status_is_the_same_without_the_sdk(python) -> None:
    plain = python("raise SystemExit(3)")
    with LoopbackServer() as server:
        with_sdk = python(
            f"import sentry_lite\nsentry_lite.init(dsn={server.dsn!r})\nraise SystemExit(3)"
        )
        crash = python(f"import sentry_lite\nsentry_lite.init(dsn={server.dsn!r})\n1/0")
    assert plain.returncode == with_sdk.returncode == 3
    assert crash.returncode == 1
    assert "ZeroDivisionError" in crash.stderr


def test_slow_server_the_event_still_goes_out_and_the_user_is_told(python) -> None:
    with LoopbackServer(reply=Reply(delay=0.5)) as server:
        result = python(f"DSN = {server.dsn!r}\n" + CRASH.replace("OPTIONS", "shutdown_timeout=5"))
        assert server.wait_for_events(1, timeout=10)
        assert len(server.events) == 1
    assert result.returncode == 1
    assert "sentry_lite: sending 1 pending event before exit" in result.stderr


def test_without_excepthook_integration_nothing_is_captured_by_the_hook(python) -> None:
    with LoopbackServer() as server:
        result = python(
            f"DSN = {server.dsn!r}\n"
            + CRASH.replace("OPTIONS", "disabled_integrations=['excepthook']")
        )
        # The process has exited: whatever it sent was acknowledged before that.
        assert server.events == []
    assert result.returncode == 1
    assert "previous hook saw RuntimeError" in result.stderr


def test_hook_captures_and_chains_in_process(sentry_init, sentry_events) -> None:
    seen: list[str] = []
    previous = sys.excepthook
    sys.excepthook = lambda t, v, tb: seen.append(t.__name__)
    try:
        sentry_init()
        try:
            raise ValueError("boom")
        except ValueError:
            sys.excepthook(*sys.exc_info())
    finally:
        sentry_lite.integrations.uninstall_all()
        sys.excepthook = previous
    assert seen == ["ValueError"]
    assert sentry_events[0]["exception"]["values"][0]["mechanism"]["handled"] is False


def test_interactive_sessions_are_skipped_unless_always_run(
    sentry_init, sentry_events, monkeypatch
) -> None:
    monkeypatch.setattr(sys, "ps1", ">>> ", raising=False)
    sentry_init()
    error = KeyError("typo")
    hook = sys.excepthook
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    hook(KeyError, error, None)
    assert sentry_events == []
    sentry_init(integrations=[ExcepthookIntegration(always_run=True)])
    hook(KeyError, error, None)
    assert len(sentry_events) == 1
