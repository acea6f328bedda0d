"""Shared fixtures: every test leaves the process's hooks exactly as it found them."""

from __future__ import annotations

import asyncio.base_events
import concurrent.futures
import concurrent.futures.thread
import http.client
import logging
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from sentry_lite import _scope_vars as scope_module
from sentry_lite.integrations import uninstall_all

ROOT = Path(__file__).resolve().parents[2]


def process_state() -> dict[str, Any]:
    """Everything an integration may patch, by identity.

    (``atexit`` cannot be inspected: its hook is checked in a subprocess instead.)
    """
    connection = http.client.HTTPConnection
    return {
        "sys.excepthook": sys.excepthook,
        "threading.excepthook": threading.excepthook,
        "Thread.start": vars(threading.Thread).get("start"),
        "Thread.run": vars(threading.Thread).get("run"),
        "HTTPConnection.putrequest": vars(connection).get("putrequest"),
        "HTTPConnection.getresponse": vars(connection).get("getresponse"),
        "HTTPConnection.request": vars(connection).get("request"),
        "HTTPConnection.send": vars(connection).get("send"),
        "Popen.__init__": vars(subprocess.Popen).get("__init__"),
        "Logger.callHandlers": vars(logging.Logger).get("callHandlers"),
        "Logger.handle": vars(logging.Logger).get("handle"),
        "root handlers": list(logging.root.handlers),
        "ThreadPoolExecutor.submit": vars(concurrent.futures.ThreadPoolExecutor).get("submit"),
        "Future.result": vars(concurrent.futures.Future).get("result"),
        "Future.exception": vars(concurrent.futures.Future).get("exception"),
        "BaseEventLoop.create_task": vars(asyncio.base_events.BaseEventLoop).get("create_task"),
        "BaseEventLoop.call_exception_handler": vars(asyncio.base_events.BaseEventLoop).get(
            "call_exception_handler"
        ),
        "sys.meta_path": list(sys.meta_path),
        "global event processors": list(scope_module._global_processors),
    }


@pytest.fixture(autouse=True)
def _restore_hooks() -> Any:
    """Uninstall every integration after the test and check nothing was left behind."""
    uninstall_all()
    before = process_state()
    yield
    uninstall_all()
    after = process_state()
    changed = {key for key in before if before[key] != after[key]}
    assert not changed, f"integrations left these changed: {sorted(changed)}"


@pytest.fixture
def state() -> Any:
    return process_state


def run_python(
    code: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with this checkout importable."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.pop("SENTRY_DSN", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def python() -> Any:
    return run_python
