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


def test_names_third_party_integrations_import() -> None:
    from sentry_lite import integrations

    class Gql(Integration):
        identifier = "gql"

    integrations._check_minimum_version(Gql, (3, 5))
    integrations._check_minimum_version(Gql, (3, 4, 1))
    with pytest.raises(DidNotEnable, match=r"only supports gql 3\.4\.1 or newer"):
        integrations._check_minimum_version(Gql, (3, 4))
    with pytest.raises(DidNotEnable, match="Unparsable gql version"):
        integrations._check_minimum_version(Gql, None)
    assert "sentry_lite.integrations.logging.LoggingIntegration" in (
        integrations._DEFAULT_INTEGRATIONS)
    assert any(p.endswith("FlaskIntegration") for p in integrations._AUTO_ENABLING_INTEGRATIONS)
    assert 503 in integrations._DEFAULT_FAILED_REQUEST_STATUS_CODES
    assert isinstance(integrations._installed_integrations, set)
