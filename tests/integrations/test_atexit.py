"""Atexit: pending events go out at exit, the user is told; the transport's own flush agrees."""

from __future__ import annotations

from sentry_lite._loopback import LoopbackServer, Reply

SCRIPT = """
import sentry_lite
sentry_lite.init(dsn=DSN, shutdown_timeout=5, OPTIONS)
for n in range(3):
    sentry_lite.capture_message(f"message {n}")
"""


def run(python, server: LoopbackServer, options: str = ""):
    code = f"DSN = {server.dsn!r}\n" + SCRIPT.replace("OPTIONS", options)
    return python(code)


def test_pending_events_are_sent_at_exit_once(python) -> None:
    with LoopbackServer(reply=Reply(delay=0.2)) as server:
        result = run(python, server)
        events = server.events
    assert result.returncode == 0, result.stderr
    assert sorted(e["message"] for e in events) == ["message 0", "message 1", "message 2"]
    assert "sentry_lite: sending" in result.stderr
    assert "pending events before exit; waiting up to 5 seconds" in result.stderr
    assert result.stderr.count("sentry_lite: sending") == 1


def test_a_custom_callback_replaces_the_message(python) -> None:
    options = (
        "integrations=[__import__('sentry_lite.integrations.atexit', fromlist=['x'])"
        ".AtexitIntegration(callback=lambda n, t: print('custom', n > 0, t, flush=True))]"
    )
    with LoopbackServer(reply=Reply(delay=0.2)) as server:
        result = run(python, server, options)
        events = server.events
    assert result.returncode == 0, result.stderr
    assert "custom True 5" in result.stdout
    assert "sentry_lite: sending" not in result.stderr
    assert len(events) == 3


def test_without_the_integration_the_transport_still_flushes_silently(python) -> None:
    with LoopbackServer(reply=Reply(delay=0.2)) as server:
        result = run(python, server, "disabled_integrations=['atexit']")
        events = server.events
    assert result.returncode == 0, result.stderr
    assert len(events) == 3
    assert "sentry_lite: sending" not in result.stderr


def test_nothing_pending_nothing_said(python) -> None:
    with LoopbackServer() as server:
        result = python(f"import sentry_lite\nsentry_lite.init(dsn={server.dsn!r})\n")
    assert result.returncode == 0
    assert result.stderr == ""


def test_an_uninstalled_hook_does_not_run_at_exit(python) -> None:
    with LoopbackServer(reply=Reply(delay=0.2)) as server:
        code = (
            f"DSN = {server.dsn!r}\n"
            + SCRIPT.replace("OPTIONS", "")
            + "from sentry_lite.integrations.atexit import AtexitIntegration\n"
            + "AtexitIntegration.uninstall()\n"
        )
        result = python(code)
        events = server.events
    assert result.returncode == 0, result.stderr
    assert "sentry_lite: sending" not in result.stderr
    assert len(events) == 3  # the transport's own exit flush


def test_the_message_shows_even_when_the_transport_came_after_the_first_init(python) -> None:
    with LoopbackServer(reply=Reply(delay=0.2)) as server:
        code = (
            "import sentry_lite\n"
            "sentry_lite.init()  # no DSN: no transport, the exit hook is registered first\n"
            + f"DSN = {server.dsn!r}\n"
            + SCRIPT.replace("OPTIONS", "")
        )
        result = python(code)
        events = server.events
    assert result.returncode == 0, result.stderr
    assert len(events) == 3
    assert "sentry_lite: sending" in result.stderr


def test_a_quick_delivery_at_exit_says_nothing(python) -> None:
    # The message is for a wait the user notices; here the grace period is made long enough
    # that the quick loopback server always answers within it.
    with LoopbackServer() as server:
        code = (
            "from sentry_lite.transport._worker import BackgroundWorker\n"
            "BackgroundWorker.noticeable_wait = 30.0\n"
            + f"DSN = {server.dsn!r}\n"
            + SCRIPT.replace("OPTIONS", "")
        )
        result = python(code)
        events = server.events
    assert result.returncode == 0, result.stderr
    assert len(events) == 3
    assert "sentry_lite: sending" not in result.stderr
