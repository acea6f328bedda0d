"""Where profiling meets the rest of the SDK: a new transaction, and ``init()``.

Loaded only when profiling options are set, so a process that does not profile never imports
the sampler.
"""

from __future__ import annotations

import sys
import warnings
from time import perf_counter_ns

from sentry_lite import _log
from sentry_lite.profiler import continuous_profiler, transaction_profiler
from sentry_lite.tracing import _ops
from sentry_lite.tracing._span import _profiled

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

    from sentry_lite.tracing._transaction import Transaction


def profile_transaction(tx: Transaction, sampling_context: Any, client: Any) -> None:
    """Decide (after the transaction's own, sampled, decision) whether to profile ``tx``."""
    try:
        _profile_transaction(tx, sampling_context, client)
    except Exception:  # the transaction goes on without a profile
        _log.log(client.options.debug, "error", "could not profile a transaction", exc_info=True)


# Tracing sits below the profiler: it calls this hook for each sampled transaction.
_ops.profile_hooks[:] = [profile_transaction]


def _profile_transaction(tx: Transaction, sampling_context: Any, client: Any) -> None:
    if transaction_profiler.current_scheduler() is not None:
        profile = transaction_profiler.Profile(True, perf_counter_ns())
        profile._set_initial_sampling_decision(sampling_context, client.options)
        if profile.sampled:
            tx._profile = profile
        else:
            transaction_profiler._lost(client.transport, "sample_rate")
    handle = continuous_profiler.try_profile_lifecycle_trace_start()
    if handle is not None:
        tx._continuous_profile = handle
        profiler_id = continuous_profiler.get_profiler_id()
        if profiler_id is not None:
            _profiled(tx, profiler_id)


def setup(client: Any) -> None:
    """At ``init()``: set up the profilers the options ask for (never raises)."""
    options = client.options
    try:
        if transaction_profiler.has_profiling_enabled(options):
            warnings.warn("transaction-based profiling is deprecated, as in sentry_sdk: prefer "
                          "continuous profiling (profile_session_sample_rate)",
                          DeprecationWarning, stacklevel=_user_level())
            transaction_profiler.setup_profiler(options)
        if options.profile_session_sample_rate is not None:
            from sentry_lite._event.defaults import sdk_info

            capture = _Capture(client)
            continuous_profiler.setup_continuous_profiler(options, sdk_info([]), capture)
            if options.profile_lifecycle == "manual":
                continuous_profiler.try_autostart_continuous_profiler()
        else:
            continuous_profiler.teardown_continuous_profiler()
    except Exception:
        _log.log(options.debug, "error", "could not set up the profiler", exc_info=True)


def _user_level() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside sentry_lite."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith(
            "sentry_lite"):
        frame, level = frame.f_back, level + 1
    return level


def close(client: Any) -> None:
    """The client is closing: end its continuous profiling session (sending the last chunk)."""
    for scheduler in continuous_profiler._scheduler:
        if getattr(scheduler.capture_func, "client", None) is client:
            continuous_profiler.teardown_continuous_profiler()


class _Capture:
    """Sends the chunks of one client's session through its transport."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def __call__(self, envelope: Any) -> None:
        transport = self.client.transport
        if transport is not None:
            transport.capture_envelope(envelope)


__all__ = ["close", "profile_transaction", "setup"]
