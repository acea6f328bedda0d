"""Dedupe: an exception object is reported once, however many paths capture it.

A thread's exception may be captured where it escaped, logged again by the code that
collects the result, and reach ``sys.excepthook`` at the end: only the first capture is
sent. The mark lives on the exception object itself (so it holds across threads);
exceptions that refuse attributes fall back to remembering the last one seen.
"""

from __future__ import annotations

import os

from sentry_lite.integrations import Integration, active, on_uninstall
from sentry_lite.scope import add_global_event_processor, remove_global_event_processor

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sentry_lite.types import Event, Hint

_MARK = "__sentry_lite_reported__"
_last: list[BaseException] = []


def seen_before(exc: BaseException) -> bool:
    """True if ``exc`` was already reported; marks it reported otherwise.

    The mark is this process's id: an exception pickled into another process (it keeps
    its attributes) counts as new there.
    """
    pid = os.getpid()
    try:
        if getattr(exc, _MARK, None) == pid:
            return True
        setattr(exc, _MARK, pid)
        return False
    except Exception:
        if _last and _last[0] is exc:
            return True
        _last[:] = [exc]
        return False


def _dedupe(event: Event, hint: Hint) -> Event | None:
    exc_info = hint.get("exc_info") if hint else None
    exc = exc_info[1] if exc_info else None
    if exc is None or not isinstance(exc, BaseException):
        return event  # (transactions and messages: no need to look the integration up)
    if active(DedupeIntegration.identifier) is None:
        return event
    return None if seen_before(exc) else event


class DedupeIntegration(Integration):
    """Drop events for an exception object that was already reported."""

    identifier = "dedupe"

    @staticmethod
    def setup_once() -> None:
        add_global_event_processor(_dedupe)
        on_uninstall(DedupeIntegration.identifier, _remove)

    @staticmethod
    def reset_last_seen() -> None:
        """Forget the fallback memory (marks on exception objects stay)."""
        del _last[:]


def _remove() -> None:
    remove_global_event_processor(_dedupe)
    del _last[:]


__all__ = ["DedupeIntegration"]
