"""Excepthook: exceptions nobody caught in the main thread, sent before the process exits.

``sys.excepthook`` is replaced by a hook that captures the exception
(``mechanism: excepthook, handled: false``) and then calls the hook that was there
before, so the traceback is printed as usual and the exit status is unchanged. The
atexit integration (or the transport's own exit flush) sends the event before exit.
In an interactive session (``sys.ps1`` set) nothing is captured unless
``always_run=True``.
"""

from __future__ import annotations

import sys

from sentry_lite.integrations import Integration, active, capture_exc, patch

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    ExceptHook = Callable[
        [type[BaseException], BaseException, TracebackType | None], object
    ]


class ExcepthookIntegration(Integration):
    """Capture exceptions that reach ``sys.excepthook``."""

    identifier = "excepthook"

    def __init__(self, always_run: bool = False) -> None:
        if not isinstance(always_run, bool):
            raise ValueError(f"always_run must be a bool, got {always_run!r}")
        self.always_run = always_run

    @staticmethod
    def setup_once() -> None:
        previous: ExceptHook = sys.excepthook

        def sentry_lite_excepthook(
            exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
        ) -> object:
            integration = active(ExcepthookIntegration.identifier)
            if integration is not None and (integration.always_run or not hasattr(sys, "ps1")):
                capture_exc((exc_type, exc, tb), {"type": "excepthook", "handled": False})
            return previous(exc_type, exc, tb)

        patch(ExcepthookIntegration.identifier, sys, "excepthook", sentry_lite_excepthook)


__all__ = ["ExcepthookIntegration"]
