"""Continuous profiling (``profile_session_sample_rate``, ``profile_lifecycle``).

The session is sampled once, at ``init()``. With ``profile_lifecycle="manual"`` the profiler
runs between :func:`start_profiler` and :func:`stop_profiler`; with ``"trace"`` it runs while at
least one sampled transaction is open. Samples go into chunks of at most a minute
(``PROFILE_BUFFER_SECONDS``), each sent as a ``profile_chunk`` item (format version 2) when
full, on stop, and at exit. While the profiler runs, every new span carries its ``profiler_id``
and the thread it was started in (span data ``profiler_id``, ``thread.id``, ``thread.name``).
"""

from __future__ import annotations

import atexit
import os
import random
import threading
import warnings
from time import perf_counter_ns, time

from sentry_lite import _log
from sentry_lite._event.release import default_release
from sentry_lite._ids import new_event_id
from sentry_lite._options import options_from
from sentry_lite.consts import VERSION
from sentry_lite.envelope import Envelope, Item, PayloadRef
from sentry_lite.profiler._format import Recording, build_profile
from sentry_lite.profiler._sampler import DEFAULT_SAMPLING_FREQUENCY, gevent_patched, shared_sampler
from sentry_lite.tracing._span import ACTIVE_PROFILER

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

PROFILE_BUFFER_SECONDS = 60
MAX_CHUNK_ENTRIES = 200_000  # thread samples per chunk; a fuller chunk is sent early

_scheduler: list[ContinuousScheduler] = []
_hooks: list[bool] = []


class ContinuousProfile:
    """What a transaction holds under ``profile_lifecycle="trace"``: stop it when done."""

    active: bool = True

    def stop(self) -> None:
        self.active = False


class ProfileChunk:
    """Up to a minute of samples, sent as one ``profile_chunk`` item."""

    def __init__(self, live_names: dict[int, str] | None = None) -> None:
        self.chunk_id = new_event_id()
        self.recording = Recording(MAX_CHUNK_ENTRIES)
        self.started_ns = perf_counter_ns()
        self.epoch_base = time() - self.started_ns / 1e9
        self._live_names = live_names if live_names is not None else {}
        # the name each thread had when this chunk first saw it: a thread id is reused once
        # its thread ends, and the sampler's table then names the new thread
        self.thread_names: dict[int, str] = {}

    def write(self, ts: int, sample: Any) -> bool:
        names = self.thread_names
        for tid in sample[::2]:  # (thread id, stack) pairs
            if tid not in names:
                names[tid] = self._live_names.get(tid, str(tid))
        return self.recording.add(ts, sample)

    def to_json(self, profiler_id: str, options: Any, sdk_info: Any) -> dict[str, Any]:
        base = self.epoch_base
        payload: dict[str, Any] = {
            "version": "2",
            "platform": "python",
            "profiler_id": profiler_id,
            "chunk_id": self.chunk_id,
            "client_sdk": {"name": (sdk_info or {}).get("name", "sentry.python"),
                           "version": VERSION},
            "profile": build_profile(self.recording, lambda ts: base + ts / 1e9, "timestamp",
                                     options, self.thread_names),
        }
        # Relay requires ``release`` in a chunk (empty when unknown).
        payload["release"] = str(options.release or default_release(options) or "").strip()
        if options.environment is not None:
            payload["environment"] = str(options.environment).strip()
        if options.dist is not None:
            payload["dist"] = str(options.dist).strip()
        return payload


class ContinuousScheduler:
    """The profiling session: its sampling decision, lifecycle, profiler id and chunk."""

    mode = "unknown"

    def __init__(self, frequency: int, options: Any, sdk_info: Any,
                 capture_func: Callable[[Envelope], None]) -> None:
        self.interval = 1.0 / frequency
        self.options = options
        self.sdk_info = sdk_info
        self.capture_func = capture_func
        self.lifecycle = options.profile_lifecycle or "manual"
        self.sampled = determine_profile_session_sampling_decision(
            options.profile_session_sample_rate)
        self.sampler = shared_sampler()
        self.running = False
        self.pid: int | None = None
        self.chunk: ProfileChunk | None = None
        self._profiler_id: str | None = None
        self._handles: list[ContinuousProfile] = []
        self._lock = threading.Lock()

    @property
    def profiler_id(self) -> str | None:
        return self._profiler_id if self.running else None

    def is_auto_start_enabled(self) -> bool:
        return bool(self.options.continuous_profiling_auto_start) and self.pid != os.getpid()

    def auto_start(self) -> ContinuousProfile | None:
        if not self.sampled or self.lifecycle != "trace":
            return None
        handle = ContinuousProfile()
        with self._lock:
            self._handles.append(handle)
        self.ensure_running()
        return handle

    def manual_start(self) -> None:
        if not self.sampled:
            _log.log(self.options.debug, "debug", "profiler not started: session not sampled")
        elif self.lifecycle != "manual":
            _log.log(self.options.debug, "debug",
                     "start_profiler() has no effect with profile_lifecycle='trace'")
        else:
            self.ensure_running()

    def manual_stop(self) -> None:
        if self.lifecycle == "manual":
            self.teardown()

    def ensure_running(self) -> None:
        with self._lock:
            if self.running and self.pid == os.getpid():
                return
            self.reset_buffer()
            self.running = True
            self.pid = os.getpid()
            ACTIVE_PROFILER[0] = self._profiler_id
        if not self.sampler.add(self):
            self._end(send=False)

    def reset_buffer(self) -> None:
        self._profiler_id = new_event_id()
        self.chunk = ProfileChunk(self.sampler.thread_names)

    def teardown(self) -> None:
        """Stop the session and send what the current chunk holds."""
        self._end(send=True)

    def _end(self, send: bool, unless_busy: bool = False) -> None:
        with self._lock:
            self._handles = [h for h in self._handles if h.active]
            if not self.running or (unless_busy and self._handles):
                return
            self.sampler.remove(self)
            self.running = False
            if ACTIVE_PROFILER[0] == self._profiler_id:
                ACTIVE_PROFILER[0] = None
            chunk, self.chunk = self.chunk, None
        if send and chunk is not None:
            self._send(chunk)

    def write(self, ts: int, sample: Any) -> None:
        """One tick from the sampler's thread."""
        if self.lifecycle == "trace" and not any(h.active for h in self._handles):
            self._end(send=True, unless_busy=True)
            return
        with self._lock:
            chunk = self.chunk
            if chunk is None:
                return
            full = ts - chunk.started_ns >= PROFILE_BUFFER_SECONDS * 1_000_000_000
            if full or not chunk.write(ts, sample):
                self.chunk = ProfileChunk(self.sampler.thread_names)
                self.chunk.write(ts, sample)
            else:
                chunk = None
        if chunk is not None:
            self._send(chunk)

    def _send(self, chunk: ProfileChunk) -> None:
        if not chunk.recording.times or self._profiler_id is None:
            return
        try:
            payload = chunk.to_json(self._profiler_id, self.options, self.sdk_info)
            envelope = Envelope()
            envelope.add_item(Item(PayloadRef(json=payload), type="profile_chunk",
                                   headers={"platform": "python"}))
            self.capture_func(envelope)
        except Exception:
            _log.log(self.options.debug, "error", "could not send a profile chunk", exc_info=True)

    def after_fork_in_child(self) -> None:
        # The parent's samples are the parent's to send: the child starts a session of its own.
        running, self.running = self.running, False
        self._lock = threading.Lock()
        # Not sampler.remove(): its lock may be the parent's (held by the parent's sampler
        # thread at the fork) until the sampler's own fork hook, which may run after this one.
        # The child has one thread here: no lock is needed.
        sampler = self.sampler
        sampler.listeners = tuple(x for x in sampler.listeners if x is not self)
        ACTIVE_PROFILER[0] = None
        if running:
            self.ensure_running()


class ThreadContinuousScheduler(ContinuousScheduler):
    mode = "thread"


class GeventContinuousScheduler(ContinuousScheduler):
    mode = "gevent"


def setup_continuous_profiler(options: Any, sdk_info: Any,
                              capture_func: Callable[[Envelope], None]) -> bool:
    """Make the session of this ``init()`` (ending the previous one first)."""
    teardown_continuous_profiler()
    options = options_from(options)  # a client's options or a dict
    mode = options.profiler_mode or ("gevent" if gevent_patched() else "thread")
    if mode in ("thread", "sleep"):
        kind: type[ContinuousScheduler] = ThreadContinuousScheduler
    elif mode == "gevent":
        kind = GeventContinuousScheduler
    else:
        raise ValueError(f"Unknown continuous profiler mode: {mode}")
    _scheduler.append(kind(DEFAULT_SAMPLING_FREQUENCY, options, sdk_info, capture_func))
    # At exit the last chunk must reach the transport before the exit flush: registered anew
    # after each init()'s own exit hooks (atexit runs the latest first).
    atexit.unregister(teardown_continuous_profiler)
    atexit.register(teardown_continuous_profiler)
    if not _hooks:
        _hooks.append(True)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork)
    return True


def _after_fork() -> None:
    for scheduler in _scheduler:
        scheduler.after_fork_in_child()


def is_profile_session_sampled() -> bool:
    return bool(_scheduler and _scheduler[0].sampled)


def try_autostart_continuous_profiler() -> None:
    if _scheduler and _scheduler[0].is_auto_start_enabled():
        _scheduler[0].manual_start()


def try_profile_lifecycle_trace_start() -> ContinuousProfile | None:
    return _scheduler[0].auto_start() if _scheduler else None


def start_profiler() -> None:
    """Start the continuous profiler (``profile_lifecycle="manual"``, session sampled)."""
    if _scheduler:
        _scheduler[0].manual_start()


def stop_profiler() -> None:
    """Stop it and send the chunk in progress."""
    if _scheduler:
        _scheduler[0].manual_stop()


def start_profile_session() -> None:
    warnings.warn("start_profile_session() is deprecated: use start_profiler()",
                  DeprecationWarning, stacklevel=2)
    start_profiler()


def stop_profile_session() -> None:
    warnings.warn("stop_profile_session() is deprecated: use stop_profiler()",
                  DeprecationWarning, stacklevel=2)
    stop_profiler()


def teardown_continuous_profiler() -> None:
    """End the session (sending its last chunk) and forget it."""
    while _scheduler:
        _scheduler.pop().teardown()


def get_profiler_id() -> str | None:
    return _scheduler[0].profiler_id if _scheduler else None


def determine_profile_session_sampling_decision(sample_rate: float | None) -> bool:
    if not sample_rate:
        return False
    return random.random() < float(sample_rate)


__all__ = [
    "PROFILE_BUFFER_SECONDS",
    "ContinuousProfile",
    "ContinuousScheduler",
    "GeventContinuousScheduler",
    "ProfileChunk",
    "ThreadContinuousScheduler",
    "determine_profile_session_sampling_decision",
    "get_profiler_id",
    "is_profile_session_sampled",
    "setup_continuous_profiler",
    "start_profile_session",
    "start_profiler",
    "stop_profile_session",
    "stop_profiler",
    "teardown_continuous_profiler",
    "try_autostart_continuous_profiler",
    "try_profile_lifecycle_trace_start",
]
