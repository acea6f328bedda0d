"""The integration system: which integrations a client gets, set up once, undone fully."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import pytest

import sentry_lite
from sentry_lite.integrations import (
    DidNotEnable,
    Integration,
    installed,
    patch,
    uninstall,
    uninstall_all,
)
from sentry_lite.integrations.dedupe import DedupeIntegration
from sentry_lite.integrations.logging import LoggingIntegration
from sentry_lite.integrations.threading import ThreadingIntegration

DEFAULTS = ["argv", "atexit", "dedupe", "excepthook", "logging", "modules", "stdlib", "threading"]


class Counting(Integration):
    identifier = "counting"
    setups = 0
    with_options: list[Any] = []

    @staticmethod
    def setup_once() -> None:
        Counting.setups += 1

    def setup_once_with_options(self, options: Any = None) -> None:
        Counting.with_options.append(options)


class Refusing(Integration):
    identifier = "refusing"

    @staticmethod
    def setup_once() -> None:
        raise DidNotEnable("not here")


def test_defaults_are_active_and_listed_in_events(sentry_init, sentry_events) -> None:
    # Frameworks other test modules imported would switch their integrations on.
    client = sentry_init(auto_enabling_integrations=False)
    assert sorted(client.integrations) == DEFAULTS
    sentry_lite.capture_message("hi")
    assert sentry_events[0]["sdk"]["integrations"] == DEFAULTS


def test_explicit_integrations_come_first_and_replace_the_default(sentry_init) -> None:
    mine = LoggingIntegration(level=logging.WARNING)
    client = sentry_init(integrations=[mine, Counting])
    assert client.integrations["logging"] is mine
    assert isinstance(client.integrations["counting"], Counting)
    assert list(client.integrations)[:2] == ["logging", "counting"]


def test_default_integrations_false_keeps_only_the_explicit_ones(
    sentry_init, sentry_events
) -> None:
    client = sentry_init(default_integrations=False, integrations=[DedupeIntegration()])
    assert list(client.integrations) == ["dedupe"]
    sentry_lite.capture_message("hi")
    assert sentry_events[0]["sdk"]["integrations"] == ["dedupe"]


@pytest.mark.parametrize(
    "disabled", [[ThreadingIntegration], [ThreadingIntegration()], ["threading"]]
)
def test_disabled_integrations_are_left_out(sentry_init, disabled) -> None:
    client = sentry_init(disabled_integrations=disabled)
    assert "threading" not in client.integrations
    assert "threading" not in installed()
    assert "logging" in client.integrations


def test_disabled_wins_over_explicit(sentry_init) -> None:
    client = sentry_init(integrations=[Counting()], disabled_integrations=[Counting])
    assert "counting" not in client.integrations


def test_setup_once_runs_once_per_process_until_uninstalled(sentry_init) -> None:
    Counting.setups = 0
    Counting.with_options = []
    first = sentry_init(default_integrations=False, integrations=[Counting()])
    sentry_init(default_integrations=False, integrations=[Counting()])
    assert Counting.setups == 1
    assert Counting.with_options == [first.options]
    Counting.uninstall()
    sentry_init(default_integrations=False, integrations=[Counting()])
    assert Counting.setups == 2


def test_explicit_integration_that_does_not_enable_makes_init_raise(sentry_init) -> None:
    with pytest.raises(DidNotEnable):
        sentry_init(default_integrations=False, integrations=[Refusing()])
    assert "refusing" not in installed()


def test_a_default_that_does_not_enable_is_skipped(sentry_init, monkeypatch) -> None:
    from sentry_lite import integrations

    defaults = (*integrations.DEFAULT_INTEGRATIONS, f"{__name__}.Refusing")
    monkeypatch.setattr(integrations, "DEFAULT_INTEGRATIONS", defaults)
    client = sentry_init(auto_enabling_integrations=False)
    assert sorted(client.integrations) == DEFAULTS


def test_reinit_without_an_integration_switches_its_hooks_off(sentry_init, sentry_events) -> None:
    sentry_init()
    logger = logging.getLogger("test_system.reinit")
    logger.error("first")
    assert [e["logentry"]["formatted"] for e in sentry_events] == ["first"]
    sentry_init(default_integrations=False)
    logger.error("second")
    assert len(sentry_events) == 1
    sentry_init()
    logger.error("third")
    assert [e["logentry"]["formatted"] for e in sentry_events] == ["first", "third"]


def test_uninstall_all_restores_every_patch(sentry_init, state) -> None:
    before = state()
    from sentry_lite.integrations.asyncio import AsyncioIntegration

    sentry_init(integrations=[AsyncioIntegration()])
    during = state()
    changed = sorted(k for k in before if before[k] != during[k])
    assert "sys.excepthook" in changed
    assert "Thread.start" in changed
    assert "Logger.callHandlers" in changed
    assert "HTTPConnection.putrequest" in changed
    assert "BaseEventLoop.create_task" in changed
    assert "sys.meta_path" in changed
    uninstall_all()
    after = state()
    assert [k for k in before if before[k] != after[k]] == []
    assert installed() == frozenset()


def test_patch_leaves_a_later_wrapper_in_place() -> None:
    class Target:
        def method(self) -> str:
            return "original"

    patch("test-owner", Target, "method", lambda self: "ours")
    Target.method = lambda self: "someone else's"  # type: ignore[method-assign]
    uninstall("test-owner")
    assert Target().method() == "someone else's"


def test_patch_restores_an_inherited_attribute_by_deleting_ours() -> None:
    class Base:
        def method(self) -> str:
            return "base"

    class Child(Base):
        pass

    patch("test-owner", Child, "method", lambda self: "ours")
    assert Child().method() == "ours"
    uninstall("test-owner")
    assert "method" not in vars(Child)
    assert Child().method() == "base"


def test_hooks_pass_through_after_the_client_is_gone(sentry_init) -> None:
    sentry_init()
    sentry_lite.get_client().close()
    from sentry_lite.testing import reset

    reset()
    seen: list[str] = []
    thread = threading.Thread(target=lambda: seen.append("ran"))
    thread.start()
    thread.join()
    assert seen == ["ran"]
    logging.getLogger("test_system.gone").error("nobody listens")


MODULES = [
    "argv", "asyncio", "atexit", "dedupe", "excepthook", "logging", "modules", "stdlib",
    "threading",
]


def test_importing_one_integration_imports_no_other(python) -> None:
    result = python(
        f"""
        import importlib, json, sys
        out = {{}}
        for name in {MODULES!r}:
            before = set(sys.modules)
            importlib.import_module("sentry_lite.integrations." + name)
            new = set(sys.modules) - before
            own = "sentry_lite.integrations." + name
            out[name] = sorted(
                m for m in new
                if m.startswith("sentry_lite.integrations.") and m != own
                and not m.startswith("sentry_lite.integrations._")
            )
            for m in new:
                if m.startswith("sentry_lite.integrations."):
                    del sys.modules[m]
        print(json.dumps(out))
        """
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {name: [] for name in MODULES}


def test_public_import_paths() -> None:
    from sentry_lite.integrations.argv import ArgvIntegration
    from sentry_lite.integrations.asyncio import AsyncioIntegration
    from sentry_lite.integrations.atexit import AtexitIntegration
    from sentry_lite.integrations.excepthook import ExcepthookIntegration
    from sentry_lite.integrations.logging import ignore_logger
    from sentry_lite.integrations.modules import ModulesIntegration
    from sentry_lite.integrations.stdlib import StdlibIntegration

    classes: list[type[Integration]] = [
        ArgvIntegration, AsyncioIntegration, AtexitIntegration, DedupeIntegration,
        ExcepthookIntegration, LoggingIntegration, ModulesIntegration, StdlibIntegration,
        ThreadingIntegration,
    ]
    assert sorted(c.identifier for c in classes) == sorted([*DEFAULTS, "asyncio"])
    assert callable(ignore_logger)
