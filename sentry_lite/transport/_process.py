"""What one process has once, whatever its transports: the exit deadline, the pid the
SDK's state belongs to, and what a forked child must redo.

Stdlib only. The fork hook is registered when this module is first imported (by the
transport); the SDK's other after-fork work is registered here (``at_fork_child``) so
that it also runs when a fork bypassed Python's hooks: uWSGI forks its workers in C and
runs them only with ``--py-call-uwsgi-fork-hooks``. The sending paths compare
``os.getpid()`` with ``pid`` (one call and one compare) and call ``adopt_fork()`` when
they differ: the child then restarts its senders as the hooks would have.
"""

from __future__ import annotations

import os
import sys
import threading
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

pid = os.getpid()  # the process the SDK's threads, locks and queues belong to
_child_hooks: list[Callable[[], None]] = []
_adopting = threading.Lock()

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
# the middle of that import leaves the child half-imported modules for good (the
# importing thread does not exist there, and every send of the child would fail): the
# child forgets every module that a thread other than its own was importing (with its
# submodules, and importlib's lock for it, which the dead thread still owns), so that
# its first send imports them again. (Waiting for the import before the fork is no
# way out: the worker's import then waits for the forking thread, measured.)
_STACK = ("sentry_lite.transport._route", "urllib3", "certifi")  # if importlib's table is gone


def _initializing(module: object) -> bool:
    try:
        return bool(getattr(getattr(module, "__spec__", None), "_initializing", False))
    except Exception:  # a module object with a __getattr__ of its own that raises
        return False


def _module_locks() -> dict[str, Any]:
    try:
        import importlib._bootstrap as bootstrap

        locks: dict[str, Any] = getattr(bootstrap, "_module_locks")  # noqa: B009
        return locks
    except Exception:  # a Python without that table
        return {}


def forget_half_imported(only: tuple[str, ...] | None = None) -> list[str]:
    """In a forked child: drop the modules a dead thread left half-imported (``only``:
    among those under these names); their names."""
    me = threading.get_ident()
    locks = _module_locks()
    dead = []
    for name, module in list(sys.modules.items()):
        if not _initializing(module) or (only is not None and not name.startswith(only)):
            continue
        ref = locks.get(name)
        lock = ref() if ref is not None else None
        if lock is None and not name.startswith(_STACK):
            continue  # whose import it is cannot be told: leave it
        if getattr(lock, "owner", None) != me:
            dead.append(name)
    dropped = [
        name for name in list(sys.modules)
        if any(name == root or name.startswith(root + ".") for root in dead)
    ]
    for name in dropped:
        del sys.modules[name]
        locks.pop(name, None)
    return dropped


def at_fork_child(hook: Callable[[], None]) -> None:
    """Run ``hook`` in every forked child, after this module's own repair, in the order
    registered: from Python's fork hooks, or from ``adopt_fork()`` when they were skipped."""
    _child_hooks.append(hook)


def _redo_in_child(only: tuple[str, ...] | None) -> None:
    global pid
    try:
        forget_half_imported(only)
    except Exception:  # the hooks below (fresh locks) must run whatever happens here
        pass
    _exit.clear()  # the child's exit is its own
    for hook in _child_hooks:
        try:
            hook()
        except Exception:  # as with Python's fork hooks: the next ones still run
            pass
    pid = os.getpid()  # last: until the hooks are done, other threads wait in adopt_fork()


def _after_fork_in_child() -> None:
    global _adopting
    _adopting = threading.Lock()  # the parent may have held it
    _redo_in_child(None)


def adopt_fork() -> None:
    """Called when ``os.getpid() != pid``: this process was forked without Python's fork
    hooks (after the parent started the SDK's threads, which do not exist here). Do now
    what the hooks would have done, once, whichever thread comes first; the others wait
    for it."""
    with _adopting:
        if pid == os.getpid():
            return  # another thread did it
        # Only the network stack's modules can be told to be the dead threads' imports
        # here: a thread of this process may be importing something else right now.
        _redo_in_child(_STACK)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

__all__ = ["adopt_fork", "at_fork_child", "exit_time_left", "forget_half_imported", "pid"]
