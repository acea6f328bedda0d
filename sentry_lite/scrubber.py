"""``from sentry_lite.scrubber import EventScrubber``: the import path users of the
official SDK write (``sentry_sdk.scrubber``). See :mod:`sentry_lite._event.scrubber`."""

from __future__ import annotations

from sentry_lite._event.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

def __getattr__(name: str) -> Any:
    """Names the official module holds for its own use: see _reexport."""
    from sentry_lite._reexport import lookup

    return lookup(__name__, name, globals())


__all__ = ["DEFAULT_DENYLIST", "DEFAULT_PII_DENYLIST", "EventScrubber"]
