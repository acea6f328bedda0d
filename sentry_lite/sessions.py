"""Release health: sessions collected and sent in the background.

- **request mode** (every request of a web integration is a session): closed sessions
  are only counted, per minute of their start and per release/environment, into the
  ``aggregates`` of one ``sessions`` item;
- **application mode** (``start_session()`` / ``end_session()``, for scripts and CLIs):
  each closed session becomes one ``session`` item.

:class:`SessionFlusher` holds both and sends them every ``flush_interval`` seconds
(60, the official SDK's interval), on the client's ``flush()`` and at exit. The caller's
thread only counts or appends; a daemon thread, started with the first session (again
in a forked child), does the sending. It is a source of envelopes with its own period:
the day the SDK has one batching thread for logs, metrics and sessions, ``flush()`` is
what that thread calls.
"""

from __future__ import annotations

import os
import threading
import warnings
import weakref
from contextlib import contextmanager

from sentry_lite.envelope import Envelope, Item, PayloadRef
from sentry_lite.session import Session, format_timestamp
from sentry_lite.transport._process import at_fork_child

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Generator
    from typing import Any

    from sentry_lite.scope import Scope

MAX_ENVELOPE_ITEMS = 100
MAX_PENDING_SESSIONS = 1000  # application-mode sessions waiting; beyond, dropped and counted
_OUTCOMES = ("exited", "errored", "crashed", "abnormal")

_flushers: weakref.WeakSet[SessionFlusher] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for flusher in list(_flushers):
        flusher._reset()


at_fork_child(_after_fork_in_child)  # also run when a fork skipped Python's hooks


_creating = threading.Lock()


def flusher_for(
    client: Any, send: Callable[[Envelope], None], lost: Callable[[str, str, int], None]
) -> SessionFlusher:
    """``client._session_flusher``, made once even when several requests end at once (two
    flushers, one replacing the other, would lose what the first had counted)."""
    with _creating:
        flusher: SessionFlusher | None = client._session_flusher
        if flusher is None:
            flusher = client._session_flusher = SessionFlusher(send, record_lost_func=lost)
        return flusher


def make_aggregate_envelope(aggregate_states: Any, attrs: Any) -> Any:
    """The payload of a ``sessions`` item: ``attrs`` and one bucket per start minute."""
    return {"attrs": dict(attrs), "aggregates": list(aggregate_states.values())}


def outcome_of(session: Session) -> str:
    """The aggregate bucket a closed session counts in."""
    if session.status == "crashed":
        return "crashed"
    if session.status == "abnormal":
        return "abnormal"
    return "errored" if session.errors > 0 else "exited"


class SessionFlusher:
    """Pending sessions and aggregates, sent by ``capture_func`` as envelopes."""

    def __init__(
        self,
        capture_func: Callable[[Envelope], None],
        flush_interval: int = 60,
        record_lost_func: Callable[[str, str, int], None] | None = None,
    ) -> None:
        self.capture_func = capture_func
        self.flush_interval = flush_interval
        self._record_lost = record_lost_func
        self._lock = threading.Lock()
        self._reset()
        _flushers.add(self)

    def _reset(self) -> None:
        # what a forked child starts with: nothing pending, no thread (the parent sends its own)
        self._lock = threading.Lock()
        self.pending_sessions: list[Any] = []
        # {(release, environment): {start minute (epoch // 60): counts}}
        self.pending_aggregates: dict[Any, dict[int, dict[str, Any]]] = {}
        self._thread: threading.Thread | None = None
        self._thread_pid: int | None = None
        self._stop = threading.Event()

    # -- adding ----------------------------------------------------------------------

    def add_aggregate_session(self, session: Session) -> None:
        """Count a closed request-mode session in its minute's bucket."""
        key = (session.release, session.environment)  # the aggregate's attrs, made at flush
        self._count(key, int(session._started // 60), outcome_of(session))

    def _count(self, key: Any, minute: int, outcome: str) -> None:
        with self._lock:
            states = self.pending_aggregates.get(key)
            if states is None:
                states = self.pending_aggregates[key] = {}
            state = states.get(minute)
            if state is None:
                state = states[minute] = {}
            state[outcome] = state.get(outcome, 0) + 1
        if self._thread is None:
            self._ensure_running()

    def add_session(self, session: Session) -> None:
        """A closed session: counted (request mode) or queued as an item (application)."""
        if session.session_mode == "request":
            self.add_aggregate_session(session)
            return
        with self._lock:
            full = len(self.pending_sessions) >= MAX_PENDING_SESSIONS
            if not full:
                self.pending_sessions.append(session.to_json())
        if full and self._record_lost is not None:
            self._record_lost("queue_overflow", "session", 1)
        self._ensure_running()

    # -- sending ---------------------------------------------------------------------

    def flush(self) -> None:
        """Send everything pending now (the caller's thread builds the envelopes)."""
        with self._lock:
            sessions, self.pending_sessions = self.pending_sessions, []
            aggregates, self.pending_aggregates = self.pending_aggregates, {}
        items = [Item(PayloadRef(json=s), type="session") for s in sessions]
        for key, states in aggregates.items():
            items.append(Item(PayloadRef(json=_aggregate_payload(key, states)), type="sessions"))
        for start in range(0, len(items), MAX_ENVELOPE_ITEMS):
            envelope = Envelope()
            for item in items[start : start + MAX_ENVELOPE_ITEMS]:
                envelope.add_item(item)
            self.capture_func(envelope)

    def _ensure_running(self) -> None:
        pid = os.getpid()
        if self._thread_pid == pid and self._thread is not None:
            return
        with self._lock:
            if self._thread_pid == pid and self._thread is not None:
                return
            thread = threading.Thread(target=self._run, name="sentry_lite.sessions", daemon=True)
            try:
                thread.start()
            except RuntimeError:  # interpreter shutting down: flush() at exit sends
                return
            self._thread, self._thread_pid = thread, pid

    def _run(self) -> None:
        stop = self._stop
        while not stop.wait(self.flush_interval):
            try:
                self.flush()
            except Exception:
                pass  # the transport logs its own failures; the next period tries again

    def kill(self) -> None:
        """Stop the background thread (what is pending stays for a last ``flush()``)."""
        self._stop.set()


def _aggregate_payload(key: Any, states: dict[int, dict[str, Any]]) -> dict[str, Any]:
    release, environment = key
    attrs: dict[str, Any] = {"environment": environment} if environment is not None else {}
    if release is not None:
        attrs["release"] = release  # keys sorted, as the official SDK writes them
    buckets = []
    for minute in sorted(states):
        counts = states[minute]
        bucket: dict[str, Any] = {"started": _minute_stamp(minute)}
        for outcome in _OUTCOMES:
            if counts.get(outcome):
                bucket[outcome] = counts[outcome]
        buckets.append(bucket)
    return {"attrs": attrs, "aggregates": buckets}


def _minute_stamp(minute: int) -> str:
    from datetime import datetime, timezone

    return format_timestamp(datetime.fromtimestamp(minute * 60, timezone.utc))


# -- starting and ending sessions around a block ------------------------------------------


def _is_auto_session_tracking_enabled(scope: Scope) -> bool:
    forced = scope._force_auto_session_tracking
    if forced is not None:
        return bool(forced)
    return bool(scope.get_client().options.auto_session_tracking)


class _Tracked:
    """The context manager of :func:`track_session` (a class: no generator per request)."""

    __slots__ = ("mode", "scope", "tracking")

    def __init__(self, scope: Scope, session_mode: str) -> None:
        self.scope, self.mode, self.tracking = scope, session_mode, False

    def __enter__(self) -> None:
        self.tracking = _is_auto_session_tracking_enabled(self.scope)
        if self.tracking:
            self.scope.start_session(session_mode=self.mode)

    def __exit__(self, *exc_info: object) -> None:
        if self.tracking:
            self.scope.end_session()


def track_session(scope: Scope, session_mode: str = "application") -> _Tracked:
    """Run the ``with`` block in a new session on ``scope`` when session tracking is on."""
    return _Tracked(scope, session_mode)


def is_auto_session_tracking_enabled(hub: Any = None) -> Any:
    """Deprecated (as in the official SDK): whether automatic session tracking is on."""
    _deprecated("There is no public replacement.")
    from sentry_lite.scope import get_isolation_scope

    scope = getattr(hub, "scope", None) or get_isolation_scope()
    return _is_auto_session_tracking_enabled(scope)


def is_auto_session_tracking_enabled_scope(scope: Scope) -> bool:
    """Deprecated: whether automatic session tracking is on for ``scope``."""
    _deprecated("There is no public replacement.")
    return _is_auto_session_tracking_enabled(scope)


@contextmanager
def auto_session_tracking(
    hub: Any = None, session_mode: str = "application"
) -> Generator[None, None, None]:
    """Deprecated: use :func:`track_session`."""
    _deprecated("Use track_session instead.")
    from sentry_lite.scope import get_isolation_scope

    with track_session(getattr(hub, "scope", None) or get_isolation_scope(), session_mode):
        yield


@contextmanager
def auto_session_tracking_scope(
    scope: Scope, session_mode: str = "application"
) -> Generator[None, None, None]:
    """Deprecated alias of :func:`track_session`."""
    _deprecated("Use track_session instead.")
    with track_session(scope, session_mode):
        yield


def _deprecated(advice: str) -> None:
    warnings.warn(f"This function is deprecated. {advice}", DeprecationWarning, stacklevel=3)


__all__ = [
    "MAX_ENVELOPE_ITEMS",
    "Envelope",
    "Session",
    "SessionFlusher",
    "auto_session_tracking",
    "auto_session_tracking_scope",
    "format_timestamp",
    "is_auto_session_tracking_enabled",
    "is_auto_session_tracking_enabled_scope",
    "make_aggregate_envelope",
    "track_session",
]
