"""Every test starts and ends with no client and fresh scopes (the kit's ``sentry_clean``).

Also: coverage (``./run tests`` measures it) takes a lock of its own whenever a thread
meets new code; a test that forks while another thread holds it gave a child stuck in that
lock for good (seen in CI, in coverage's ``lock_data``). Every fork of the test process
holds the lock across the fork, as the standard library does for its own locks.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

_held: list[Any] = []


def _coverage_lock() -> Any:
    try:
        import coverage
    except ImportError:
        return None
    current = coverage.Coverage.current()
    collector = getattr(current, "_collector", None)
    return getattr(collector, "data_lock", None)


def _hold_coverage_lock() -> None:
    lock = _coverage_lock()
    if lock is not None:
        lock.acquire()
        _held.append(lock)


def _release_coverage_lock() -> None:
    while _held:
        _held.pop().release()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_hold_coverage_lock, after_in_parent=_release_coverage_lock,
                        after_in_child=_release_coverage_lock)


@pytest.fixture(autouse=True)
def _clean_sentry(sentry_clean: None) -> None:
    return None
