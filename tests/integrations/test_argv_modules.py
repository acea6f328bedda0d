"""Argv and modules: the command line and installed packages on error events."""

from __future__ import annotations

import importlib.metadata
import json
import sys

import sentry_lite


def test_argv_is_an_extra(sentry_init, sentry_events) -> None:
    sentry_init()
    sentry_lite.capture_message("probe", extras={"mine": 1})
    assert sentry_events[0]["extra"]["sys.argv"] == sys.argv
    assert sentry_events[0]["extra"]["mine"] == 1


def test_modules_lists_installed_packages(sentry_init, sentry_events) -> None:
    sentry_init()
    sentry_lite.capture_message("probe")
    modules = sentry_events[0]["modules"]
    assert modules["urllib3"] == importlib.metadata.version("urllib3")
    assert modules["pytest"] == importlib.metadata.version("pytest")


def test_modules_agree_with_importlib_metadata() -> None:
    from sentry_lite.integrations.modules import installed_distributions

    expected: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        expected.setdefault(dist.metadata["Name"], dist.version)
    assert installed_distributions() == expected


def test_disabled_means_absent(sentry_init, sentry_events) -> None:
    sentry_init(disabled_integrations=["argv", "modules"])
    sentry_lite.capture_message("probe")
    assert "modules" not in sentry_events[0]
    assert "sys.argv" not in sentry_events[0].get("extra", {})


def test_init_reads_no_package_metadata(python) -> None:
    result = python(
        """
        import json, sys
        import sentry_lite
        sentry_lite.init(dsn="http://key@127.0.0.1:9/1")
        before = "importlib.metadata" in sys.modules
        from sentry_lite.integrations.modules import installed_distributions
        print(json.dumps({"at_init": before, "after": "urllib3" in installed_distributions()}))
        """
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"at_init": False, "after": True}
