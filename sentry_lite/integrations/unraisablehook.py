"""Unraisable exceptions: errors Python cannot raise (in ``__del__``, a finalizer, a
garbage-collected generator...) and hands to ``sys.unraisablehook``.

The hook is replaced by one that captures the exception (``mechanism: unraisablehook,
handled: false``) when it has a traceback, then calls the hook that was there before
(which prints it as usual). Not enabled by default: pass ``UnraisablehookIntegration()``.
"""

from __future__ import annotations

import sys

from sentry_lite.integrations import Integration, active, capture_exc, patch

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

IDENTIFIER = "unraisablehook"


class UnraisablehookIntegration(Integration):
    """Capture exceptions that reach ``sys.unraisablehook``."""

    identifier = IDENTIFIER

    @staticmethod
    def setup_once() -> None:
        previous = sys.unraisablehook

        def sentry_lite_unraisablehook(unraisable: Any) -> Any:
            exc = unraisable.exc_value
            tb = unraisable.exc_traceback
            if exc is not None and tb is not None and active(IDENTIFIER) is not None:
                capture_exc((unraisable.exc_type, exc, tb),
                            {"type": IDENTIFIER, "handled": False})
            return previous(unraisable)

        patch(IDENTIFIER, sys, "unraisablehook", sentry_lite_unraisablehook)


__all__ = ["UnraisablehookIntegration"]
