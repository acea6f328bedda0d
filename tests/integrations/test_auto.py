"""Frameworks switch their integrations on when the application imports them, never before."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import sentry_lite
from sentry_lite.integrations import _auto
from sentry_lite.integrations._importhook import ImportWatcher, waiting_for, when_imported

FAKE_INTEGRATION = '''
from sentry_lite.integrations import Integration, on_uninstall
import sys

class FakeFrameworkIntegration(Integration):
    identifier = "fakeframework"
    setups = []

    @staticmethod
    def setup_once():
        import {framework}
        FakeFrameworkIntegration.setups.append({framework}.VERSION)
        {framework}.patched = True
        on_uninstall("fakeframework", lambda: setattr({framework}, "patched", False))
'''


@pytest.fixture
def fake_framework(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A real package ``sl_fake_<n>`` on sys.path and an integration for it in the registry."""
    name = f"sl_fake_{tmp_path.name.replace('-', '_')}"
    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text("VERSION = '1.0'\nimported_from = __file__\n")
    (tmp_path / f"{name}_integration.py").write_text(FAKE_INTEGRATION.format(framework=name))
    monkeypatch.syspath_prepend(str(tmp_path))
    path = f"{name}_integration.FakeFrameworkIntegration"
    monkeypatch.setattr(_auto, "AUTO_ENABLING", ((name, path), *_auto.AUTO_ENABLING))
    yield name
    for module in (name, f"{name}_integration"):
        sys.modules.pop(module, None)


def test_a_framework_imported_after_init_is_picked_up_when_imported(
    sentry_init, sentry_events, fake_framework
) -> None:
    client = sentry_init()
    assert fake_framework not in sys.modules
    assert "fakeframework" not in client.integrations
    assert fake_framework in waiting_for()

    module = importlib.import_module(fake_framework)

    assert module.patched is True
    assert "fakeframework" in client.integrations
    assert fake_framework not in waiting_for()
    sentry_lite.capture_message("after the import")
    assert "fakeframework" in sentry_events[0]["sdk"]["integrations"]


def test_a_framework_imported_before_init_is_enabled_at_once(sentry_init, fake_framework) -> None:
    module = importlib.import_module(fake_framework)
    client = sentry_init()
    assert "fakeframework" in client.integrations
    assert module.patched is True


def test_uninstalling_undoes_the_framework_patch(sentry_init, fake_framework) -> None:
    sentry_init()
    module = importlib.import_module(fake_framework)
    assert module.patched is True
    sentry_lite.integrations.uninstall_all()
    assert module.patched is False
    assert waiting_for() == []


@pytest.mark.parametrize(
    "options",
    [
        {"auto_enabling_integrations": False},
        {"default_integrations": False},
        {"disabled_integrations": ["fakeframework"]},
    ],
)
def test_opting_out_keeps_the_framework_untouched(sentry_init, fake_framework, options) -> None:
    client = sentry_init(**options)
    module = importlib.import_module(fake_framework)
    assert not hasattr(module, "patched")
    assert "fakeframework" not in client.integrations


def test_the_client_in_charge_at_import_time_decides(sentry_init, fake_framework) -> None:
    sentry_init()  # installs the watcher
    later = sentry_init(auto_enabling_integrations=False)
    module = importlib.import_module(fake_framework)
    assert not hasattr(module, "patched")
    assert "fakeframework" not in later.integrations


def test_missing_integration_modules_are_skipped_silently(
    sentry_init, tmp_path, monkeypatch
) -> None:
    (tmp_path / "sl_fake_orphan.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(
        _auto, "AUTO_ENABLING", (("sl_fake_orphan", "sentry_lite.integrations.nope.Nope"),)
    )
    client = sentry_init(debug=False)
    try:
        assert importlib.import_module("sl_fake_orphan").X == 1
    finally:
        sys.modules.pop("sl_fake_orphan", None)
    assert sorted(client.integrations) == sorted(
        ["argv", "atexit", "dedupe", "excepthook", "logging", "modules", "stdlib", "threading"]
    )


def test_watcher_fires_once_and_leaves_meta_path(tmp_path, monkeypatch) -> None:
    (tmp_path / "sl_fake_watched.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    seen: list[Any] = []
    try:
        when_imported("sl_fake_watched", seen.append, "test")
        assert any(isinstance(f, ImportWatcher) for f in sys.meta_path)
        module = importlib.import_module("sl_fake_watched")
        assert seen == [module]
        assert module.__loader__.__class__.__name__ == "SourceFileLoader"
        assert "exec_module" not in vars(module.__loader__)
        assert not any(isinstance(f, ImportWatcher) for f in sys.meta_path)
        importlib.reload(module)
        assert seen == [module]
    finally:
        sys.modules.pop("sl_fake_watched", None)


def test_watcher_survives_a_failing_import_and_fires_on_the_next(tmp_path, monkeypatch) -> None:
    source = tmp_path / "sl_fake_flaky.py"
    source.write_text("raise ImportError('not yet')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    seen: list[Any] = []
    try:
        when_imported("sl_fake_flaky", seen.append, "test")
        with pytest.raises(ImportError, match="not yet"):
            importlib.import_module("sl_fake_flaky")
        assert seen == []
        source.write_text("OK = True\n")
        importlib.invalidate_caches()
        module = importlib.import_module("sl_fake_flaky")
        assert seen == [module]
        assert module.OK is True
    finally:
        sys.modules.pop("sl_fake_flaky", None)


def test_a_failing_callback_does_not_break_the_import(tmp_path, monkeypatch) -> None:
    (tmp_path / "sl_fake_target.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    def broken(module: Any) -> None:
        raise RuntimeError("hook bug")

    try:
        when_imported("sl_fake_target", broken, "test")
        assert importlib.import_module("sl_fake_target").X == 1
    finally:
        sys.modules.pop("sl_fake_target", None)


NETWORK_LIBRARIES = ["aiohttp", "asyncpg", "grpc", "boto3", "botocore", "pymongo"]


def test_init_imports_no_network_library_and_each_switches_on_at_its_import(python) -> None:
    result = python(
        f"""
        import importlib.util, json, sys
        installed = [n for n in {NETWORK_LIBRARIES!r} if importlib.util.find_spec(n)]
        import sentry_lite
        sentry_lite.init(dsn="http://key@127.0.0.1:9/1")
        imported = [n for n in {NETWORK_LIBRARIES!r} if n in sys.modules]
        before = sorted(sentry_lite.get_client().integrations)
        import aiohttp, asyncpg, boto3, grpc, pymongo  # the application's imports
        print(json.dumps({{
            "installed": installed, "imported_by_init": imported, "before": before,
            "after": sorted(sentry_lite.get_client().integrations),
        }}))
        """
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["installed"] == NETWORK_LIBRARIES
    assert report["imported_by_init"] == []
    ours = {"aiohttp", "asyncpg", "boto3", "pymongo"}
    assert not ours & set(report["before"])
    assert ours <= set(report["after"])
    assert "grpc" not in report["after"]  # as upstream: only when listed in integrations=


def test_builtin_modules_are_watched_without_patching_their_loader_class() -> None:
    name = next(
        n for n in ("_lsprof", "_bisect", "_heapq", "_statistics") if n not in sys.modules
    )
    from importlib.machinery import BuiltinImporter

    before = vars(BuiltinImporter).get("exec_module")
    seen: list[Any] = []
    try:
        when_imported(name, seen.append, "test")
        module = importlib.import_module(name)
        assert seen == [module]
        assert vars(BuiltinImporter).get("exec_module") is before
    finally:
        sys.modules.pop(name, None)


FRAMEWORKS = ["flask", "django", "fastapi", "celery", "starlette", "redis", "httpx",
              "sqlalchemy", "loguru",
              "typer", "rq", "huey", "dramatiq", "arq", "awslambdaric", "chalice",
              "graphene", "ariadne", "strawberry"]


def test_init_imports_no_framework_even_when_installed(python) -> None:
    result = python(
        f"""
        import importlib.util, json, sys
        installed = [n for n in {FRAMEWORKS!r} if importlib.util.find_spec(n) is not None]
        import sentry_lite
        sentry_lite.init(dsn="http://key@127.0.0.1:9/1")
        imported = [n for n in {FRAMEWORKS!r} if n in sys.modules]
        import flask  # the application imports a framework after init()
        from sentry_lite.integrations._importhook import waiting_for
        print(json.dumps({{
            "installed": installed,
            "imported_by_init": imported,
            "still_waiting_for_flask": "flask" in waiting_for(),
            "integrations": sorted(sentry_lite.get_client().integrations),
        }}))
        """
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["installed"] == FRAMEWORKS
    assert report["imported_by_init"] == []
    assert report["still_waiting_for_flask"] is False
    assert "threading" in report["integrations"]


def test_client_libraries_switch_on_when_the_application_imports_them(python) -> None:
    result = python(
        """
        import json, sys
        import sentry_lite
        sentry_lite.init(dsn="http://key@127.0.0.1:9/1")
        before = sorted(sentry_lite.get_client().integrations)
        import httpx, loguru, redis, sqlalchemy
        import redis.asyncio
        print(json.dumps({
            "before": before,
            "after": sorted(sentry_lite.get_client().integrations),
            "async_redis": redis.asyncio.Redis.execute_command.__module__,
        }))
        """
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert not {"httpx", "loguru", "redis", "sqlalchemy"} & set(report["before"])
    assert {"httpx", "loguru", "redis", "sqlalchemy"} <= set(report["after"])
    assert report["async_redis"] == "sentry_lite.integrations.redis._patch"


# The next tier of web frameworks (issue 17): none is imported by init(); each one the
# application imports afterwards switches its integration on.
WEB_TIER = ["tornado", "sanic", "quart", "falcon", "pyramid", "bottle", "litestar"]


def test_init_imports_none_of_the_web_tier_and_each_enables_after_init(python) -> None:
    result = python(
        f"""
        import importlib, importlib.util, json, sys
        names = {WEB_TIER!r}
        installed = [n for n in names if importlib.util.find_spec(n) is not None]
        import sentry_lite
        sentry_lite.init(dsn="http://key@127.0.0.1:9/1")
        imported = [n for n in names if n in sys.modules]
        for name in names:
            importlib.import_module(name)  # the application imports them after init()
        print(json.dumps({{
            "installed": installed,
            "imported_by_init": imported,
            "integrations": sorted(sentry_lite.get_client().integrations),
        }}))
        """
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["installed"] == WEB_TIER
    assert report["imported_by_init"] == []
    assert set(WEB_TIER) <= set(report["integrations"])
