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

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sentry_lite.scope import Scope

# Upstream warns this long before the deadline: the time to get the event out.
WARNING_BUFFER_MS = 1500


class TimeoutWarning(threading.Thread):
    """Warns once, ``waiting_time`` seconds from ``start()``, unless ``stop()`` comes first,
    in the given scopes (by default those of the code that made it). Also
    ``sentry_sdk.utils.TimeoutThread``, with its signature (third-party serverless
    integrations start one)."""

    def __init__(self, waiting_time: float, configured_timeout: float,
                 isolation_scope: Scope | None = None, current_scope: Scope | None = None) -> None:
        super().__init__(name="sentry_lite.timeout_warning", daemon=True)
        self.waiting_time = waiting_time
        self.configured_timeout = configured_timeout
        self._stopped = threading.Event()
        self.isolation_scope = isolation_scope or get_isolation_scope()
        self.current_scope = current_scope or get_current_scope()

    def stop(self) -> None:
        self._stopped.set()

    def run(self) -> None:
        if self._stopped.wait(self.waiting_time):
            return
        seconds = math.ceil(self.configured_timeout)
        message = (f"WARNING : Function is expected to get timed out. Configured timeout "
                   f"duration = {seconds} seconds.")
        try:
            with use_isolation_scope(self.isolation_scope), use_scope(self.current_scope):
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
