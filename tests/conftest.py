"""Every test starts and ends with no client and fresh scopes (the kit's ``sentry_clean``)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clean_sentry(sentry_clean: None) -> None:
    return None
