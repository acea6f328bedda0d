"""``setup_integrations`` and ``iter_default_integrations`` with the official signatures."""

from __future__ import annotations

from typing import Any

import pytest

from sentry_lite.integrations import (
    DidNotEnable,
    Integration,
    iter_default_integrations,
    setup_integrations,
    uninstall_all,
)
from sentry_lite.integrations.dedupe import DedupeIntegration
from sentry_lite.integrations.logging import LoggingIntegration


class Recording(Integration):
    identifier = "recording"
    calls: list[Any] = []

    @staticmethod
    def setup_once() -> None:
        Recording.calls.append("setup_once")

    def setup_once_with_options(self, options: Any = None) -> None:
        Recording.calls.append(("with_options", options.get("release")))


class Unavailable(Integration):
    identifier = "unavailable"

    @staticmethod
    def setup_once() -> None:
        raise DidNotEnable("not here")


def test_setup_integrations_by_hand() -> None:
    Recording.calls = []
    try:
        active = setup_integrations([Recording()], with_defaults=False,
                                    options={"release": "r1"})
        assert list(active) == ["recording"]
        assert Recording.calls == ["setup_once", ("with_options", "r1")]
        with_defaults = setup_integrations([], with_defaults=True,
                                           disabled_integrations=[DedupeIntegration])
        assert "logging" in with_defaults and "dedupe" not in with_defaults
        assert isinstance(with_defaults["logging"], LoggingIntegration)
    finally:
        uninstall_all()


def test_iter_default_integrations() -> None:
    defaults = list(iter_default_integrations(with_auto_enabling_integrations=False))
    assert LoggingIntegration in defaults and DedupeIntegration in defaults
    assert all(issubclass(cls, Integration) for cls in defaults)
    with_auto = list(iter_default_integrations(True))
    assert len(with_auto) >= len(defaults)
    assert Integration.install is None  # the official legacy hook, never implemented


def test_an_explicit_integration_that_cannot_work_raises() -> None:
    with pytest.raises(DidNotEnable, match="not here"):
        setup_integrations([Unavailable()], with_defaults=False)
