"""Argv: the process's command line, as ``extra["sys.argv"]`` on every event."""

from __future__ import annotations

import sys

from sentry_lite.integrations import Integration, active, on_uninstall
from sentry_lite.scope import add_global_event_processor, remove_global_event_processor

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sentry_lite.types import Event, Hint


def _add_argv(event: Event, hint: Hint) -> Event | None:
    if active(ArgvIntegration.identifier) is None:
        return event
    argv = getattr(sys, "argv", None)
    if isinstance(argv, list):
        extra = event.get("extra")
        if not isinstance(extra, dict):
            extra = event["extra"] = {}
        extra.setdefault("sys.argv", list(argv))
    return event


class ArgvIntegration(Integration):
    """Add ``sys.argv`` to events."""

    identifier = "argv"

    @staticmethod
    def setup_once() -> None:
        add_global_event_processor(_add_argv)
        on_uninstall(ArgvIntegration.identifier, lambda: remove_global_event_processor(_add_argv))


__all__ = ["ArgvIntegration"]
