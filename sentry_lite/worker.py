"""``sentry_sdk.worker``'s names: the transport's background worker.

``BackgroundWorker(queue_size)`` is the one ``HttpTransport`` uses (see
``sentry_lite/transport/_worker.py``): a bounded queue run by one daemon thread,
started lazily, reset in a forked child. It has the official worker's methods
(``submit``, ``flush``, ``kill``, ``full``, ``start``, ``is_alive``); ``flush``
also answers whether everything was done.
"""

from __future__ import annotations

from sentry_lite.consts import DEFAULT_QUEUE_SIZE
from sentry_lite.transport._worker import BackgroundWorker

Worker = BackgroundWorker  # the official abstract base; ours has one implementation

__all__ = ["DEFAULT_QUEUE_SIZE", "BackgroundWorker", "Worker"]
