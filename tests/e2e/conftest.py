"""A real Bugsink server for the whole test session (see bugsink_server.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bugsink_server  # found through the sys.path entry just above


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: talks to a real Sentry-compatible server (Bugsink) on 127.0.0.1"
    )


@pytest.fixture(scope="session")
def bugsink() -> Iterator[bugsink_server.Bugsink]:
    """A running Bugsink with one project; stopped at the end of the session, also on failure.

    Skipped when no CPython 3.11+ is around to run it. Any other problem (the install from PyPI,
    the server not starting) is an error, so that CI cannot go green without these tests.
    """
    try:
        server = bugsink_server.start()
    except bugsink_server.NoSuitablePython as exc:
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def bugsink_dsn(bugsink: bugsink_server.Bugsink) -> str:
    if not bugsink.is_alive():
        pytest.fail(f"Bugsink died during the session:\n{bugsink.log_tail()}")
    return bugsink.dsn
