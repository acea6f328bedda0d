"""Tracing tests install the default integrations through ``sentry_init``: undo them after."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sentry_lite.integrations import uninstall_all


@pytest.fixture(autouse=True)
def _uninstall_integrations() -> Iterator[None]:
    yield
    uninstall_all()
