"""Profiling tests: no profiler session or sampler listener outlives its test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_profiler_left(sentry_clean: None) -> Iterator[None]:
    yield
    from sentry_lite.profiler import continuous_profiler, transaction_profiler
    from sentry_lite.profiler._sampler import shared_sampler

    continuous_profiler.teardown_continuous_profiler()
    transaction_profiler.teardown_profiler()
    shared_sampler().stop()
