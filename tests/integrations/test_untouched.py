"""``default_integrations=False``: the process is left exactly as it was (checked in a
fresh interpreter, so nothing another test did can hide a change)."""

from __future__ import annotations

import json
from typing import Any

SNAPSHOT = """
import asyncio.base_events, atexit, concurrent.futures, http.client, json, logging
import subprocess, sys, threading

def snapshot():
    conn = http.client.HTTPConnection
    return {
        "sys.excepthook": id(sys.excepthook),
        "threading.excepthook": id(threading.excepthook),
        "Thread.start": id(vars(threading.Thread)["start"]),
        "Thread.run": id(vars(threading.Thread)["run"]),
        "HTTPConnection": [id(vars(conn)[n]) for n in ("putrequest", "getresponse", "request",
                           "send", "connect", "endheaders")],
        "Popen.__init__": id(vars(subprocess.Popen)["__init__"]),
        "Logger": [id(vars(logging.Logger)[n]) for n in ("callHandlers", "handle", "_log")],
        "root handlers": [id(h) for h in logging.root.handlers],
        "logger handlers": {name: [id(h) for h in getattr(l, "handlers", [])]
                            for name, l in logging.root.manager.loggerDict.items()},
        "ThreadPoolExecutor.submit": id(vars(concurrent.futures.ThreadPoolExecutor)["submit"]),
        "Future.result": id(vars(concurrent.futures.Future)["result"]),
        "BaseEventLoop.create_task": id(vars(asyncio.base_events.BaseEventLoop)["create_task"]),
        "sys.meta_path": [id(f) for f in sys.meta_path],
        "atexit": atexit._ncallbacks(),
    }

before = snapshot()
import sentry_lite
from sentry_lite.scope import _global_processors
sentry_lite.init(OPTIONS)
sentry_lite.capture_message("still works")
after = snapshot()
print(json.dumps({
    "changed": sorted(k for k in before if before[k] != after[k]),
    "processors": len(_global_processors),
    "integrations": sorted(sentry_lite.get_client().integrations),
}))
"""


def run(python, options: str) -> dict[str, Any]:
    result = python(SNAPSHOT.replace("OPTIONS", options))
    assert result.returncode == 0, result.stderr
    snapshot: dict[str, Any] = json.loads(result.stdout)
    return snapshot


def test_default_integrations_false_leaves_the_process_untouched(python) -> None:
    report = run(python, "default_integrations=False")
    assert report == {"changed": [], "processors": 0, "integrations": []}


def test_the_defaults_do_change_it(python) -> None:
    # The same probe sees the defaults' hooks: it would notice a patch the test above missed.
    report = run(python, "")
    assert report["changed"] == [
        "Future.result",
        "HTTPConnection",
        "Logger",
        "Popen.__init__",
        "Thread.start",
        "ThreadPoolExecutor.submit",
        "atexit",
        "sys.excepthook",
        "sys.meta_path",
    ]
    assert report["processors"] == 3  # argv, dedupe, modules
