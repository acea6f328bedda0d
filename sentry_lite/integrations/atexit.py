"""Atexit: send what is still pending when the interpreter exits, and say so on stderr.

The hook flushes the client (it does not close it: an exit hook that runs after ours
may still report something). The HTTP transport registers its own exit flush as a
safety net when it is created; every ``init()`` re-registers ours after the client's
transport exists, so ours runs first (``atexit`` runs hooks last in, first out) and the
transport's then finds nothing left and returns at once.
"""

from __future__ import annotations

import sys

from sentry_lite.integrations import Integration, active, installed, on_uninstall
from sentry_lite.scope import get_client, get_isolation_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def default_callback(pending: int, timeout: float) -> None:
    """Tell the user why the process has not exited yet."""
    noun = "event" if pending == 1 else "events"
    try:
        sys.stderr.write(
            f"sentry_lite: sending {pending} pending {noun} before exit; "
            f"waiting up to {timeout:g} seconds (press Ctrl-C to quit)\n"
        )
        sys.stderr.flush()
    except Exception:
        pass


class AtexitIntegration(Integration):
    """Flush pending events when the interpreter exits."""

    identifier = "atexit"

    def __init__(self, callback: Callable[[int, float], None] | None = None) -> None:
        self.callback = callback if callback is not None else default_callback

    @staticmethod
    def setup_once() -> None:
        import atexit

        atexit.register(_at_exit)
        on_uninstall(AtexitIntegration.identifier, lambda: atexit.unregister(_at_exit))

    def _activate(self) -> None:
        # Stay the last registered (first to run), after any transport's own exit hook.
        if AtexitIntegration.identifier in installed():
            import atexit

            atexit.unregister(_at_exit)
            atexit.register(_at_exit)


def _at_exit() -> None:
    integration = active(AtexitIntegration.identifier)
    if integration is None:
        return
    try:
        get_isolation_scope().end_session()  # an application-mode session ends with the process
    except Exception:
        pass
    try:
        client = get_client()
        from sentry_lite.transport._process import exit_time_left

        # One deadline for every exit hook (ours, the transport's own): the first sets it.
        timeout = float(client.options.shutdown_timeout)
        client.flush(timeout=exit_time_left(timeout), callback=integration.callback)
    except Exception:
        pass


__all__ = ["AtexitIntegration", "default_callback"]
