"""Profiling: transaction profiles and continuous profiling, sampled from one thread.

``sentry_lite.profiler.start_profiler()`` / ``stop_profiler()`` drive continuous profiling
(``profile_session_sample_rate``, ``profile_lifecycle="manual"``); transaction profiles follow
``profiles_sample_rate`` / ``profiles_sampler``. See docs/profiling.md.
"""

from __future__ import annotations

from sentry_lite.profiler.continuous_profiler import (
    start_profile_session,
    start_profiler,
    stop_profile_session,
    stop_profiler,
)
from sentry_lite.profiler.transaction_profiler import (
    MAX_PROFILE_DURATION_NS,
    PROFILE_MINIMUM_SAMPLES,
    GeventScheduler,
    Profile,
    Scheduler,
    ThreadScheduler,
    has_profiling_enabled,
    setup_profiler,
    teardown_profiler,
)
from sentry_lite.profiler.utils import (
    DEFAULT_SAMPLING_FREQUENCY,
    MAX_STACK_DEPTH,
    extract_frame,
    extract_stack,
    frame_id,
    get_frame_name,
)

__all__ = [
    "DEFAULT_SAMPLING_FREQUENCY",
    "MAX_PROFILE_DURATION_NS",
    "MAX_STACK_DEPTH",
    "PROFILE_MINIMUM_SAMPLES",
    "GeventScheduler",
    "Profile",
    "Scheduler",
    "ThreadScheduler",
    "extract_frame",
    "extract_stack",
    "frame_id",
    "get_frame_name",
    "has_profiling_enabled",
    "setup_profiler",
    "start_profile_session",
    "start_profiler",
    "stop_profile_session",
    "stop_profiler",
    "teardown_profiler",
]
