"""Transaction profiles (``profiles_sample_rate``, ``profiles_sampler``).

A sampled transaction may carry a :class:`Profile`: decided right after the transaction's own
sampling decision, started when the transaction is entered, stopped when it finishes, and sent
as a ``profile`` item (format version 1) in the transaction's envelope. At most 30 s and
``MAX_ENTRIES`` thread samples are kept; fewer than ``PROFILE_MINIMUM_SAMPLES`` ticks and the
profile is dropped (counted as ``insufficient_data``).
"""

from __future__ import annotations

import atexit
import random
import warnings
from datetime import datetime, timezone
from time import perf_counter_ns

from sentry_lite import _log
from sentry_lite._ids import new_event_id
from sentry_lite._options import options_from
from sentry_lite.profiler._format import Recording, build_profile, platform_blocks
from sentry_lite.profiler._sampler import (
    DEFAULT_SAMPLING_FREQUENCY,
    Sampler,
    gevent_patched,
    os_thread_ident,
    shared_sampler,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

PROFILE_MINIMUM_SAMPLES = 2
MAX_PROFILE_DURATION_NS = int(3e10)  # 30 seconds
MAX_ENTRIES = 200_000  # thread samples per profile (~6 MB at most)

_scheduler: list[Scheduler] = []


class Scheduler:
    """Hands samples to profiles; every kind shares the process's one sampling thread."""

    mode = "unknown"

    def __init__(self, frequency: int = DEFAULT_SAMPLING_FREQUENCY) -> None:
        self.interval = 1.0 / frequency
        self.sampler: Sampler = shared_sampler()

    def __enter__(self) -> Scheduler:
        self.setup()
        return self

    def __exit__(self, ty: Any, value: Any, tb: Any) -> None:
        self.teardown()

    def setup(self) -> None:
        return None

    def teardown(self) -> None:
        for listener in self.sampler.listeners:
            if isinstance(listener, Profile):
                listener.stop()

    def ensure_running(self) -> None:
        with self.sampler._lock:
            self.sampler._ensure_running()

    def start_profiling(self, profile: Profile) -> None:
        if not self.sampler.add(profile):
            profile.active = False

    def make_sampler(self) -> Callable[..., None]:
        """A callable taking one sample of every thread for the listening profiles."""
        return self.sampler.tick


class ThreadScheduler(Scheduler):
    """Samples from a daemon OS thread (the default)."""

    mode = "thread"
    name = "sentry_lite.profiler.Sampler"


class GeventScheduler(Scheduler):
    """Under gevent: the same OS thread, started with gevent's original thread functions.

    It sees the greenlet running in each OS thread; greenlets waiting in the hub are not sampled
    (as with the official SDK's gevent mode).
    """

    mode = "gevent"
    name = "sentry_lite.profiler.Sampler"


def has_profiling_enabled(options: Any) -> bool:
    """True when transaction profiles may be taken (a sampler, or a rate above zero);
    ``options``: a client's options or a dict."""
    options = options_from(options)
    if options.profiles_sampler is not None:
        return True
    rate = options.profiles_sample_rate  # or _experiments' (lifted by options_from)
    return rate is not None and rate > 0


def setup_profiler(options: Any) -> bool:
    """Choose the scheduler for ``profiler_mode``; False if one is set up already."""
    if _scheduler:
        return False
    options = options_from(options)
    mode = options.profiler_mode
    if mode is None:
        mode = "gevent" if gevent_patched() else "thread"
    if mode in ("thread", "sleep"):
        _scheduler.append(ThreadScheduler())
    elif mode == "gevent":
        _scheduler.append(GeventScheduler())
    else:
        raise ValueError(f"Unknown profiler mode: {mode}")
    if mode == "gevent":
        _log.log(options.debug, "debug",
                 "profiling under gevent: only the greenlet running in each OS thread is sampled")
    atexit.register(teardown_profiler)
    return True


def teardown_profiler() -> None:
    """Stop the sampling thread; profiles in progress end with what they have."""
    if _scheduler:
        _scheduler.pop().teardown()


def current_scheduler() -> Scheduler | None:
    return _scheduler[0] if _scheduler else None


class Profile:
    """The profile of one transaction (started on entering it, stopped when it finishes)."""

    def __init__(
        self,
        sampled: bool | None,
        start_ns: int,
        hub: Any = None,
        scheduler: Scheduler | None = None,
    ) -> None:
        self.scheduler = current_scheduler() if scheduler is None else scheduler
        self.event_id = new_event_id()
        self.sampled = sampled
        self._default_active_thread_id = os_thread_ident()
        self.active_thread_id: int | None = None
        self.start_ns = start_ns
        self.stop_ns = 0
        self.active = False
        self.recording = Recording(MAX_ENTRIES)
        self.unique_samples = 0
        self._hub = hub
        if hub is not None:
            warnings.warn("Profile(hub=...) is deprecated and has no effect",
                          DeprecationWarning, stacklevel=2)

    @property
    def hub(self) -> Any:
        warnings.warn("Profile.hub is deprecated", DeprecationWarning, stacklevel=2)
        return self._hub

    @hub.setter
    def hub(self, value: Any) -> None:
        warnings.warn("Profile.hub is deprecated", DeprecationWarning, stacklevel=2)
        self._hub = value

    def update_active_thread_id(self) -> None:
        self.active_thread_id = os_thread_ident()

    def _set_initial_sampling_decision(self, sampling_context: Any, options: Any = None) -> None:
        self.sampled = self.sampled and self._decide(sampling_context, options)

    def _decide(self, sampling_context: Any, options: Any) -> bool:
        if self.scheduler is None or options is None:
            return False
        sampler = options.profiles_sampler
        if callable(sampler):
            try:
                rate = sampler(sampling_context)
            except Exception:
                _log.log(options.debug, "error", "profiles_sampler raised; no profile",
                         exc_info=True)
                return False
        else:
            rate = options.profiles_sample_rate
        if isinstance(rate, bool):
            rate = float(rate)
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            if rate is not None:
                _log.log(options.debug, "debug", f"profile sample rate {rate!r} is invalid")
            return False
        return random.random() < rate

    def start(self) -> None:
        if not self.sampled or self.active or self.scheduler is None:
            return
        self.active = True
        if not self.start_ns:
            self.start_ns = perf_counter_ns()
        try:
            self.scheduler.start_profiling(self)
        except Exception:  # never break the transaction being entered
            self.active = False

    def stop(self) -> None:
        if not self.sampled or not self.active:
            return
        self.active = False
        self.stop_ns = perf_counter_ns()
        if self.scheduler is not None:
            self.scheduler.sampler.remove(self)

    def __enter__(self) -> Profile:
        self.start()
        return self

    def __exit__(self, ty: Any, value: Any, tb: Any) -> None:
        self.stop()

    def write(self, ts: int, sample: Any) -> None:
        """One tick from the sampler (its thread): keep it while within the bounds."""
        if not self.active or ts < self.start_ns:
            return
        if ts - self.start_ns > MAX_PROFILE_DURATION_NS or not self.recording.add(ts, sample):
            self.stop()
            return
        self.unique_samples += 1

    def process(self, options: Any = None) -> dict[str, Any]:
        """The ``profile`` object of the payload."""
        start = self.start_ns
        names = self.scheduler.sampler.thread_names if self.scheduler is not None else {}
        return build_profile(self.recording, lambda ts: str(ts - start), "elapsed_since_start_ns",
                             options, names)

    def to_json(self, event_opt: Any, options: Any) -> dict[str, Any]:
        """The ``profile`` item's payload for the transaction event ``event_opt``."""
        trace = (event_opt.get("contexts") or {}).get("trace") or {}
        active = self._default_active_thread_id if self.active_thread_id is None else (
            self.active_thread_id)
        end = (self.stop_ns or perf_counter_ns()) - self.start_ns
        payload: dict[str, Any] = {
            "version": "1",
            "platform": "python",
            "event_id": self.event_id,
            "timestamp": _rfc3339(event_opt.get("start_timestamp")),
            "release": event_opt.get("release") or "",
            "transactions": [{
                "id": event_opt.get("event_id"),
                "name": event_opt.get("transaction") or "",
                "trace_id": trace.get("trace_id"),
                "active_thread_id": str(active),
                "relative_start_ns": "0",
                "relative_end_ns": str(max(end, 0)),
            }],
            "profile": self.process(options),
        }
        if event_opt.get("environment"):
            payload["environment"] = event_opt["environment"]
        payload.update(platform_blocks())
        return payload

    def valid(self, client: Any = None) -> bool:
        """Worth sending: sampled and with enough ticks (else the drop is counted)."""
        transport = getattr(client, "transport", None)
        if not self.sampled:
            _lost(transport, "sample_rate")
            return False
        if self.unique_samples < PROFILE_MINIMUM_SAMPLES:
            _lost(transport, "insufficient_data")
            return False
        return True


def _lost(transport: Any, reason: str) -> None:
    if transport is not None:
        try:
            transport.record_lost_event(reason, data_category="profile")
        except Exception:
            pass


def _rfc3339(value: Any) -> str:
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    else:
        try:
            stamp = datetime.fromtimestamp(float(value), timezone.utc)
        except (TypeError, ValueError, OverflowError):
            stamp = datetime.now(timezone.utc)
    return stamp.isoformat().replace("+00:00", "Z")


__all__ = [
    "MAX_PROFILE_DURATION_NS",
    "PROFILE_MINIMUM_SAMPLES",
    "GeventScheduler",
    "Profile",
    "Scheduler",
    "ThreadScheduler",
    "has_profiling_enabled",
    "setup_profiler",
    "teardown_profiler",
]
