"""What the serverless integrations share: the timeout warning and the flush.

:class:`TimeoutWarning` is a daemon thread started with an invocation: unless stopped
first, it wakes ``warn_after`` seconds later and captures a ``ServerlessTimeoutWarning``
(``mechanism: threading, handled: false``, as upstream) in the invocation's own scopes, then
flushes, so that the warning is out before the platform kills the function.
"""

from __future__ import annotations

import math
import threading

from sentry_lite._blocks import use_isolation_scope, use_scope
from sentry_lite.integrations import _debug, capture_exc
from sentry_lite.scope import get_client, get_current_scope, get_isolation_scope
from sentry_lite.utils import ServerlessTimeoutWarning

# Upstream warns this long before the deadline: the time to get the event out.
WARNING_BUFFER_MS = 1500


class TimeoutWarning(threading.Thread):
    """Warns once, ``warn_after`` seconds from ``start()``, unless ``stop()`` comes first."""

    def __init__(self, warn_after: float, configured_timeout: float) -> None:
        super().__init__(name="sentry_lite.timeout_warning", daemon=True)
        self._warn_after = warn_after
        self._configured = configured_timeout
        self._stopped = threading.Event()
        self._isolation = get_isolation_scope()
        self._current = get_current_scope()

    def stop(self) -> None:
        self._stopped.set()

    def run(self) -> None:
        if self._stopped.wait(self._warn_after):
            return
        seconds = math.ceil(self._configured)
        message = (f"WARNING : Function is expected to get timed out. Configured timeout "
                   f"duration = {seconds} seconds.")
        try:
            with use_isolation_scope(self._isolation), use_scope(self._current):
                try:
                    raise ServerlessTimeoutWarning(message)
                except ServerlessTimeoutWarning as exc:
                    capture_exc((type(exc), exc, exc.__traceback__),
                                {"type": "threading", "handled": False})
            get_client().flush()
        except Exception:
            _debug("the serverless timeout warning could not be sent", exc_info=True)


def start_timeout_warning(remaining_ms: float) -> TimeoutWarning | None:
    """A started :class:`TimeoutWarning` for an invocation with ``remaining_ms`` left, or
    None when that is too short to warn ahead."""
    if remaining_ms <= WARNING_BUFFER_MS:
        return None
    thread = TimeoutWarning((remaining_ms - WARNING_BUFFER_MS) / 1000, remaining_ms / 1000)
    thread.start()
    return thread


def flush() -> None:
    """Send what is queued before the platform freezes or ends the process."""
    try:
        get_client().flush()
    except Exception:
        _debug("flushing at the end of an invocation failed", exc_info=True)


__all__ = ["WARNING_BUFFER_MS", "TimeoutWarning", "flush", "start_timeout_warning"]
