"""``from sentry_lite.scrubber import EventScrubber``: the import path users of the
official SDK write (``sentry_sdk.scrubber``). See :mod:`sentry_lite._event.scrubber`."""

from __future__ import annotations

from sentry_lite._event.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber

__all__ = ["DEFAULT_DENYLIST", "DEFAULT_PII_DENYLIST", "EventScrubber"]
