"""Third-party packages written for ``sentry_sdk`` run on sentry_lite through the alias.

Each package runs its own documented usage in a fresh interpreter, after
``install_as_sentry_sdk()``: no module of the official SDK may load there, and the events
the package reports must reach a real Sentry-compatible server on 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

import sentry_lite

PRELUDE = """
import importlib.machinery, json, sys
# where the official package lives, found without importing it
official = importlib.machinery.PathFinder.find_spec("sentry_sdk")
official_dir = official.submodule_search_locations[0] if official else None

import sentry_lite
sentry_lite.install_as_sentry_sdk()
"""

EPILOGUE = """
import sentry_sdk
sentry_sdk.flush(10)
loaded = [name for name, module in list(sys.modules.items())
          if official_dir and (getattr(module, "__file__", None) or "").startswith(official_dir)]
print(json.dumps({"official_loaded": loaded, "alias": sys.modules["sentry_sdk"] is sentry_lite,
                  "out": out}))
"""


def run_with_alias(code: str, dsn: str) -> dict[str, Any]:
    script = PRELUDE + f"DSN = {dsn!r}\nout = {{}}\n" + textwrap.dedent(code) + EPILOGUE
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    assert result["official_loaded"] == []  # not one module of the official SDK
    assert result["alias"] is True
    return result


def missing(module: str, name: str | None = None) -> bool:
    """True when ``sentry_lite.<module>`` (or its ``name``) does not exist yet."""
    if importlib.util.find_spec(f"sentry_lite.{module}") is None:
        return True
    if name is None:
        return False
    return not hasattr(importlib.import_module(f"sentry_lite.{module}"), name)


def test_flask_sentry_reports_through_sentry_lite(sentry_server: Any) -> None:
    # flask-sentry (hyperflask): a Flask extension that calls sentry_sdk.init() from the app's
    # config and forwards attribute access to the sentry_sdk module.
    pytest.importorskip("flask_sentry")
    result = run_with_alias("""
        from flask import Flask
        from flask_sentry import Sentry

        app = Flask("shop")
        app.config["SENTRY_DSN"] = DSN
        app.config["SENTRY_RELEASE"] = "shop@1.0"
        sentry = Sentry(app)

        @app.route("/boom")
        def boom():
            raise ValueError("checkout failed")

        out["status"] = app.test_client().get("/boom").status_code
        out["message_id"] = sentry.capture_message("sent through the extension")
    """, sentry_server.dsn)
    assert result["out"]["status"] == 500
    assert sentry_server.wait_for_events(2, timeout=10)
    events = sentry_server.events
    (error,) = [e for e in events if "exception" in e]
    (message,) = [e for e in events if e.get("message") == "sent through the extension"]
    assert error["exception"]["values"][-1]["type"] == "ValueError"
    assert error["exception"]["values"][-1]["mechanism"]["type"] == "flask"
    assert error["release"] == message["release"] == "shop@1.0"
    assert error["sdk"]["name"] == "sentry.python.lite"
    assert message["event_id"] == result["out"]["message_id"]


# structlog-sentry imports sentry_sdk.utils (helper `facades-a`) and
# sentry_sdk.integrations.logging._IGNORED_LOGGERS (helper `facades-b`).
_STRUCTLOG_NEEDS = [m for m, n in (("utils", None), ("integrations.logging", "_IGNORED_LOGGERS"))
                    if missing(m, n)]


@pytest.mark.skipif(
    bool(_STRUCTLOG_NEEDS),
    reason="structlog-sentry imports sentry_sdk.utils (capture_internal_exceptions, "
    "event_from_exception; module owned by helper facades-a) and "
    "sentry_sdk.integrations.logging._IGNORED_LOGGERS (facades-b); missing here: "
    + ", ".join(_STRUCTLOG_NEEDS),
)
def test_structlog_sentry_reports_through_sentry_lite(sentry_server: Any) -> None:
    pytest.importorskip("structlog_sentry")
    result = run_with_alias("""
        import logging
        import structlog
        from structlog_sentry import SentryProcessor

        sentry_sdk_module = sys.modules["sentry_sdk"]
        sentry_sdk_module.init(dsn=DSN)
        structlog.configure(
            processors=[
                structlog.stdlib.add_log_level,
                structlog.processors.TimeStamper(fmt="iso"),
                SentryProcessor(event_level=logging.ERROR, tag_keys=["order"]),
                structlog.processors.JSONRenderer(),
            ],
            logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        )
        log = structlog.get_logger().bind(logger="shop")
        log.info("cart opened", order="o-1")  # a breadcrumb
        try:
            1 / 0
        except ZeroDivisionError:
            log.error("payment failed", order="o-1", exc_info=True)
        log.critical("stock empty", order="o-2")
    """, sentry_server.dsn)
    assert result["out"] == {}
    assert sentry_server.wait_for_events(2, timeout=10)
    by_message = {e["message"]: e for e in sentry_server.events}
    failed, empty = by_message["payment failed"], by_message["stock empty"]
    assert failed["level"] == "error" and empty["level"] == "critical"
    assert failed["exception"]["values"][-1]["type"] == "ZeroDivisionError"
    assert failed["tags"]["order"] == "o-1" and empty["tags"]["order"] == "o-2"
    assert failed["contexts"]["structlog"]["order"] == "o-1"
    (crumb,) = [c for c in failed["breadcrumbs"]["values"] if c.get("message") == "cart opened"]
    assert crumb["category"] == "shop" and crumb["level"] == "info"
    assert crumb["timestamp"].endswith("Z")  # structlog's ISO time, kept as the official SDK does


# sentry-deduplicate-integration picks its code path from sentry_sdk.VERSION: below 2 it
# uses sentry_sdk.Hub and sentry_sdk.scope.add_global_event_processor (helper facades-b).
_DEDUP_READY = int(sentry_lite.VERSION.split(".")[0]) >= 2 or not (
    missing("hub") or missing("scope", "add_global_event_processor")
)


@pytest.mark.skipif(
    not _DEDUP_READY,
    reason="sentry-deduplicate-integration takes its sentry_sdk<2 path (sentry_lite.VERSION "
    f"is {sentry_lite.VERSION}): it needs sentry_sdk.Hub and "
    "sentry_sdk.scope.add_global_event_processor (modules owned by helper facades-b)",
)
def test_sentry_deduplicate_integration_reports_through_sentry_lite(sentry_server: Any) -> None:
    pytest.importorskip("sentry_deduplicate_integration")
    pytest.importorskip("fakeredis")
    result = run_with_alias("""
        import fakeredis
        import sentry_sdk
        from sentry_deduplicate_integration import SentryDeduplicateIntegration

        sentry_sdk.init(dsn=DSN, integrations=[
            SentryDeduplicateIntegration(redis_factory=fakeredis.FakeRedis,
                                         max_events_per_minute=1)])

        def lookup():
            try:
                {}["missing"]
            except KeyError:
                return sentry_sdk.capture_exception()

        def add():
            try:
                1 + "1"
            except TypeError:
                return sentry_sdk.capture_exception()

        # the key is where the error was raised (file and line)
        out["ids"] = [lookup() is not None for _ in range(3)] + [add() is not None]
    """, sentry_server.dsn)
    # the same error three times within a minute: reported once; another error: reported
    assert result["out"]["ids"] == [True, False, False, True]
    assert sentry_server.wait_for_events(2, timeout=10)
    assert sorted(e["exception"]["values"][-1]["type"] for e in sentry_server.events) == [
        "KeyError", "TypeError"]


# pytest-sentry 0.3 (getsentry's pytest plugin for SDK 2.x) subclasses sentry_sdk.Client, keeps
# its own Scope(client=...) and re-enters it with use_scope() around every step of its hook
# generators, starts transactions from Transaction.continue_from_headers(), and reports the
# failures of a test with capture_exception(). It loads as a pytest plugin, so the alias is
# installed by the runner (`python -m sentry_lite.alias -m pytest`).
PLUGGED_TESTS = """
import sentry_sdk

def test_checkout():
    sentry_sdk.set_tag("shop", "checkout")
    assert 1 + 1 == 3, "the total is wrong"

def test_cart(sentry_test_scope):
    assert isinstance(sentry_test_scope, sentry_sdk.Scope)
"""

PLUGGED_CONFTEST = """
import importlib.machinery, json, os, sys

def pytest_sessionfinish(session):
    official = importlib.machinery.PathFinder.find_spec("sentry_sdk")
    where = official.submodule_search_locations[0] if official else None
    loaded = [n for n, m in list(sys.modules.items())
              if where and (getattr(m, "__file__", None) or "").startswith(where)]
    with open(os.environ["LOADED_REPORT"], "w") as out:
        json.dump({"official_loaded": loaded,
                   "alias": sys.modules["sentry_sdk"] is sys.modules["sentry_lite"]}, out)
"""


def test_pytest_sentry_reports_a_test_run_through_sentry_lite(
    sentry_server: Any, tmp_path: Any,
) -> None:
    # Looked up, not imported: importing it here would make its sentry_sdk.Client in this
    # process (with the official SDK's integrations patching logging and http.client).
    if importlib.util.find_spec("pytest_sentry") is None:
        pytest.skip("pytest-sentry is not installed")
    (tmp_path / "test_shop.py").write_text(PLUGGED_TESTS)
    (tmp_path / "conftest.py").write_text(PLUGGED_CONFTEST)
    report = tmp_path / "loaded.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "PYTEST_"))}
    env.update(PYTEST_SENTRY_DSN=sentry_server.dsn, PYTEST_SENTRY_ALWAYS_REPORT="1",
               LOADED_REPORT=str(report),
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")  # this plugin alone (no faker fixtures...)
    done = subprocess.run(
        [sys.executable, "-m", "sentry_lite.alias", "-m", "pytest", "-q", "-p", "pytest_sentry",
         "-p", "no:cacheprovider", "-W", "ignore::UserWarning", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # one test fails, on purpose
    assert "1 failed, 1 passed" in done.stdout
    assert json.loads(report.read_text()) == {"official_loaded": [], "alias": True}
    assert sentry_server.wait_for(lambda log: len(log.events) == 1 and len(log.transactions) == 3,
                                  timeout=10)
    (error,) = sentry_server.events
    assert error["exception"]["values"][-1]["type"] == "AssertionError"
    assert error["tags"] == {"pytest.result": "failed", "shop": "checkout"}
    assert error["environment"] == "test"
    # captured inside the plugin's per-test transaction, on the plugin's own scope
    assert error["transaction"] == "pytest.runtest.protocol test_shop.py::test_checkout"
    names = sorted(t["transaction"] for t in sentry_server.transactions)
    assert names == ["pytest.fixture.setup sentry_test_scope",
                     "pytest.runtest.call test_shop.py::test_cart",
                     "pytest.runtest.call test_shop.py::test_checkout"]
    # one trace for the whole run: each transaction continues the scope's propagation context
    traces = {t["contexts"]["trace"]["trace_id"] for t in sentry_server.transactions}
    assert traces == {error["contexts"]["trace"]["trace_id"]}
