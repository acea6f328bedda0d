"""Client reports: how many items the SDK dropped, by reason and data category.

Counters are thread-safe (any thread may record a loss); ``take`` turns them into
a ``client_report`` payload and starts from zero again. Sending is the
transport's business: it piggy-backs a report on an outgoing envelope, or sends
one on its own when flushed.
"""

from __future__ import annotations

import threading
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypedDict

    from sentry_lite.envelope import Item

    class Discarded(TypedDict):
        reason: str
        category: str
        quantity: int

    class ClientReport(TypedDict):
        """The ``client_report`` item's payload."""

        timestamp: float
        discarded_events: list[Discarded]


class ClientReports:
    """Discarded-event counters keyed by ``(reason, category)``."""

    def __init__(self, enabled: bool = True, clock: Callable[[], float] = time.time) -> None:
        self.enabled = enabled
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], int] = {}

    def record(self, reason: str, category: str, quantity: int = 1) -> None:
        """Count ``quantity`` items of ``category`` dropped for ``reason``."""
        if not self.enabled or quantity <= 0:
            return
        key = (reason, category)
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + quantity

    def record_item(self, reason: str, item: Item) -> None:
        """Count one dropped envelope item (a returned report is merged back instead)."""
        if item.type == "client_report":
            self.merge(item.payload.json)
        else:
            self.record(reason, item.data_category)

    def merge(self, payload: object) -> None:
        """Add back the counts of a report that could not be delivered (its item's JSON,
        as read back: anything malformed is ignored)."""
        if not isinstance(payload, dict):
            return
        try:
            for entry in payload["discarded_events"]:
                self.record(str(entry["reason"]), str(entry["category"]), int(entry["quantity"]))
        except (KeyError, TypeError, ValueError):
            pass

    def __bool__(self) -> bool:
        return bool(self._counts)

    def snapshot(self) -> dict[tuple[str, str], int]:
        """The current counts, without resetting them."""
        with self._lock:
            return dict(self._counts)

    def take(self) -> ClientReport | None:
        """The pending counts as a ``client_report`` payload (None if there are none); resets."""
        if not self._counts:
            return None
        with self._lock:
            counts, self._counts = self._counts, {}
        if not counts:
            return None
        return {
            "timestamp": self._clock(),
            "discarded_events": [
                {"reason": reason, "category": category, "quantity": quantity}
                for (reason, category), quantity in sorted(counts.items())
            ],
        }

    def reset(self) -> None:
        """Forget every count (used in a forked child: the parent reports its own)."""
        self._lock = threading.Lock()
        self._counts = {}


__all__ = ["ClientReports"]
