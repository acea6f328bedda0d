"""What one process has once, whatever its transports: the exit deadline, and the
network stack's import guarded against fork.

Stdlib only. The fork hooks are registered when this module is first imported
(by the transport).
"""

from __future__ import annotations

import os
import threading
import time

_exit: list[float] = []  # the process's exit deadline, once an exit hook has set it


def exit_time_left(timeout: float) -> float:
    """Seconds an exit hook may still wait: the first hook to ask sets the process's
    exit deadline ``timeout`` from now (and gets ``timeout``); every later one gets what
    is left of it. However many hooks flush at exit, the process waits at most one
    ``shutdown_timeout``."""
    now = time.monotonic()
    if not _exit:
        _exit.append(now + max(timeout, 0.0))
        return max(timeout, 0.0)
    return max(_exit[0] - now, 0.0)


# The network stack is imported by the worker thread at its first send. A fork taken in
# the middle of that import would leave the child a half-imported module for good (the
# importing thread does not exist there): a fork waits for the import to end (at most
# FORK_WAIT seconds), and a child forked anyway forgets the half-imported modules.
_loading = threading.Lock()
_fork_held: list[bool] = []
FORK_WAIT = 10.0
_STACK = (
    "sentry_lite.transport._route", "urllib3", "urllib.request", "http.client", "email", "ssl",
    "certifi",
)


def _initializing(module: object) -> bool:
    return bool(getattr(getattr(module, "__spec__", None), "_initializing", False))


def network_import() -> threading.Lock:
    """The lock to hold while importing the network stack (no fork sees it half-done)."""
    return _loading


def _before_fork() -> None:
    _fork_held.append(_loading.acquire(timeout=FORK_WAIT))


def _after_fork_in_parent() -> None:
    if _fork_held.pop():
        _loading.release()


def _after_fork_in_child() -> None:
    global _loading
    if not _fork_held.pop():  # forked in the middle of the import anyway
        import sys

        for name, module in list(sys.modules.items()):
            if name.startswith(_STACK) and _initializing(module):
                del sys.modules[name]
    _loading = threading.Lock()
    _exit.clear()  # the child's exit is its own


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_before_fork, after_in_parent=_after_fork_in_parent,
        after_in_child=_after_fork_in_child,
    )

__all__ = ["exit_time_left", "network_import"]
