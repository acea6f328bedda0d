"""The deferred work of a ``BackgroundWorker``'s owner, and when it is due.

The transport keeps envelopes that failed (and, opt-in, an outbox on disk); the
worker runs that work when its queue is empty: when the time the work asked for
has come, or at once when a flush asks for it. This module holds that schedule;
``_worker.py`` holds the thread and the queue.
"""

from __future__ import annotations

from functools import partial

TYPE_CHECKING = False
if TYPE_CHECKING:
    import threading
    from collections.abc import Callable


class DeferredWork:
    """The owner's deferred work, and when it is due; guarded by the worker's condition.

    ``retry(force)`` does the work and answers the seconds until it wants to run
    again (``None``: nothing left); ``count()`` says how much is left. A flush that
    wants the work tried at once takes a ticket (``ask``); a run serves every ticket
    taken before it started.
    """

    __slots__ = ("_clock", "_cond", "_count", "_retry", "asked", "due", "served")

    def __init__(
        self,
        retry: Callable[[bool], float | None] | None,
        count: Callable[[], int] | None,
        clock: Callable[[], float],
        cond: threading.Condition,
    ) -> None:
        self._retry = retry
        self._count = count
        self._clock = clock
        self._cond = cond
        self.due: float | None = None  # the clock time of the next run
        self.asked = 0  # the last ticket taken
        self.served = 0  # the last ticket a run has served

    @property
    def enabled(self) -> bool:
        return self._retry is not None

    def waiting(self) -> int:
        """How much deferred work the owner holds."""
        return self._count() if self._count is not None else 0

    def ask(self) -> int:
        """A ticket: the next run (the one after it starts) serves it."""
        self.asked += 1
        return self.asked

    def schedule(self, delay: float) -> bool:
        """Run in ``delay`` seconds, unless due sooner; True when that moved the due time."""
        due = self._clock() + max(delay, 0.0)
        if self.due is None or due < self.due:
            self.due = due
            return True
        return False

    def cancel(self) -> None:
        self.due = None

    def is_due(self) -> bool:
        if self._retry is None:
            return False
        return self.asked > self.served or (self.due is not None and self._clock() >= self.due)

    def timeout(self) -> float | None:
        """Seconds until due (a wait's timeout), None when nothing is scheduled."""
        return None if self.due is None else max(self.due - self._clock(), 0.0)

    def tried(self, ticket: int, deadline: float) -> bool:
        """A run served ``ticket`` and the next one falls at or after ``deadline``."""
        return self.served >= ticket and (self.due is None or self.due >= deadline)

    def job(self) -> Callable[[], None]:
        """A job doing the work now (taken with the condition held)."""
        return partial(self.run, self.asked > self.served, self.asked)

    def run(self, forced: bool, ticket: int) -> None:
        assert self._retry is not None
        delay: float | None = None
        try:
            delay = self._retry(forced)
        finally:
            with self._cond:
                self.due = None if delay is None else self._clock() + max(delay, 0.0)
                self.served = max(self.served, ticket)


__all__ = ["DeferredWork"]
