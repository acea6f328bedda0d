"""The worker's side of ``HttpTransport``: POST envelopes, judge answers, retry.

``Sender`` runs only in the worker thread (or, at interpreter shutdown, in the
thread that flushes). It owns the way to the server (a ``Poster``: the urllib3
``Route`` of ``_route.py``, made at the first send), the rate limits it learns
(a ``RateLimits`` value the caller's thread reads), the envelopes kept for
another try (``Retention``) and what it cannot deliver, counted through the
transport's ``record_lost_event``.

Answers, judged on the status line alone (see ``judge``): 2xx sent; 429
dropped, the server counted it; 413 and other 4xx dropped, counted
``send_error``; 408 and 5xx kept for another try (bounded per envelope, then
counted ``network_error``); no answer: kept, the server backed off.
"""

from __future__ import annotations

import enum
import time
from typing import NamedTuple, Protocol

from sentry_lite.transport._encode import BodyEncoder
from sentry_lite.transport._ratelimit import RateLimits, parse_retry_after, without_limited
from sentry_lite.transport._retry import Retention, backoff
from sentry_lite.transport._worker import current_deadline

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from sentry_lite.envelope import Envelope, Item
    from sentry_lite.transport._reports import ClientReports


class Answer(NamedTuple):
    """A complete status line and its headers (looked up case-insensitively)."""

    status: int
    headers: Mapping[str, str]


class NotSent(ConnectionError):
    """The request cannot have reached the server (no connection, TLS refused)."""


class Unanswered(ConnectionError):
    """The request may have reached the server, but no complete status line came back."""


class Poster(Protocol):
    """The way to the server (``_route.Route``; a test may plug in another).

    ``post`` returns the ``Answer`` once a status line was read; it raises
    ``NotSent`` or ``Unanswered`` (``OSError``s) when none came.
    """

    def post(self, body: bytes, deadline: float | None, now: float) -> Answer: ...


class LossCounter(Protocol):
    """Where envelope items that will not be delivered are counted (the transport)."""

    def record_lost_event(
        self, reason: str, data_category: str | None = None, item: Item | None = None,
        *, quantity: int = 1,
    ) -> None: ...


class Log(Protocol):
    """The transport's debug log (``HttpTransport._log``): a %-style message and its values."""

    def __call__(
        self, message: str, *args: object, exc_info: BaseException | None = None
    ) -> None: ...


class Outcome(enum.Enum):
    SENT = "sent"
    DROPPED = "dropped"  # for good, counted under ``Verdict.reason`` (None: not by us)
    RETRY = "retry"


class Verdict(NamedTuple):
    """What became of one attempt."""

    outcome: Outcome
    reason: str | None = None  # the client-report reason of a drop
    retry_after: float = 0.0  # the least delay before another try
    reached: bool = True  # the request may have reached the server: it counts as an attempt
    answered: bool = True  # a status line came back (the server is there)


SENT = Verdict(Outcome.SENT)
NOT_SENT = Verdict(Outcome.RETRY, reached=False, answered=False)
UNANSWERED = Verdict(Outcome.RETRY, answered=False)


def judge(answer: Answer, wall_now: float) -> Verdict:
    """The verdict on a complete status line (what follows it never matters)."""
    status = answer.status
    if 200 <= status < 300:
        return SENT
    if status == 429:
        return Verdict(Outcome.DROPPED)
    if status == 408 or status >= 500 or status < 200:
        retry_after = answer.headers.get("Retry-After")
        if retry_after:
            return Verdict(Outcome.RETRY, retry_after=parse_retry_after(retry_after, wall_now))
        return Verdict(Outcome.RETRY)
    return Verdict(Outcome.DROPPED, "send_error" if status >= 400 else "network_error")


def rfc3339(timestamp: float) -> str:
    """``2024-05-09T07:35:25.123456Z`` for a Unix timestamp."""
    seconds = int(timestamp)
    micros = round((timestamp - seconds) * 1_000_000)
    if micros >= 1_000_000:
        seconds, micros = seconds + 1, micros - 1_000_000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{micros:06d}Z"


# In a forked child: the parent's connection pools, never touched again (see after_fork).
_parents_posters: list[Poster] = []


class Sender:
    """Sends envelopes one at a time and keeps those worth another try."""

    def __init__(
        self, make_poster: Callable[[], Poster], encoder: BodyEncoder, reports: ClientReports,
        counter: LossCounter, *, clock: Callable[[], float], wall_clock: Callable[[], float],
        log: Log,
    ) -> None:
        self._make_poster = make_poster
        self._poster: Poster | None = None
        self._encoder = encoder
        self._reports = reports
        self._counter = counter
        self._clock = clock
        self._wall_clock = wall_clock
        self._log = log
        self.limits = RateLimits()  # replaced, never changed: the caller's thread reads it
        self.retention = Retention()
        self.in_flight: Envelope | None = None

    @property
    def compressed(self) -> bool:
        return self._encoder.level > 0

    # -- jobs of the worker ----------------------------------------------------------

    def send(self, envelope: Envelope) -> float | None:
        """Send a new envelope (or keep it, while the server is backed off from);
        the delay before kept envelopes should be tried again, if any."""
        now = self._clock()
        if not self.limits.empty and self.limits.is_empty(now):
            self.limits = RateLimits()  # all expired: back to the cheap check
        kept = without_limited(envelope, self.limits, now, self._counter)
        if kept is None:
            return None
        retention = self.retention
        if retention.backing_off(now):
            self._keep(kept, 0, retention.retry_at)
            return self.next_try()
        self._attach_report(kept)
        verdict = self.attempt(kept)
        if verdict.outcome is Outcome.RETRY:
            self._keep(kept, int(verdict.reached), self._due(verdict, 1))
        return self.next_try()

    def retry(self, force: bool) -> float | None:
        """Try the kept envelopes that are due (all of them when ``force``), oldest
        first; the delay until the next try, or None when nothing is kept."""
        retention = self.retention
        if not force and retention.backing_off(self._clock()):
            return retention.retry_at - self._clock()
        failed_in_a_row = 0
        for kept in retention.due(self._clock(), force):
            deadline = current_deadline()
            if deadline is not None and time.monotonic() >= deadline:
                return 0.0
            envelope = without_limited(kept.envelope, self.limits, self._clock(), self._counter)
            if envelope is None:
                retention.remove(kept)
                continue
            self._attach_report(envelope)
            verdict = self.attempt(envelope)
            if verdict.outcome is not Outcome.RETRY:
                retention.remove(kept)
                failed_in_a_row = 0
                continue
            attempts = kept.attempts + int(verdict.reached)
            if not retention.again(kept, envelope, attempts, self._due(verdict, attempts)):
                self._log("Dropping %s after %d attempts", envelope.description, attempts)
                self._drop(envelope, "network_error")
            failed_in_a_row += 1
            if not verdict.answered or failed_in_a_row >= 2:
                break  # the server is away or refuses everything: wait, do not hammer
        return self.next_try()

    def next_try(self) -> float | None:
        """Seconds until a kept envelope is due (None: nothing is kept)."""
        next_due = self.retention.next_due()
        if next_due is None:
            return None
        return max(next_due, self.retention.retry_at) - self._clock()

    def send_reports(self) -> None:
        """Send the pending client report on its own (a flush asks for it)."""
        if not self._reports or (len(self.retention) and self.retention.backing_off(self._clock())):
            return  # (while backed off, it goes out with the kept envelopes later)
        payload = self._reports.take()
        if payload is not None:
            from sentry_lite.envelope import Envelope

            envelope = Envelope()
            envelope.add_client_report(payload)
            self.send(envelope)

    # -- one attempt ----------------------------------------------------------------

    def attempt(self, envelope: Envelope) -> Verdict:
        """POST ``envelope`` once and judge the answer (drops are counted here)."""
        self.in_flight = envelope
        try:
            if self._poster is None:
                self._poster = self._make_poster()
            body = self._encoder.body(envelope, rfc3339(self._wall_clock()))
            answer = self._poster.post(body, current_deadline(), time.monotonic())
        except NotSent as exc:
            return self._failed(envelope, exc, NOT_SENT)
        except OSError as exc:
            return self._failed(envelope, exc, UNANSWERED)
        except Exception as exc:  # a bug or a broken setup (a SOCKS proxy without PySocks...)
            self._log("Could not send %s", envelope.description, exc_info=exc)
            self._drop(envelope, "internal_sdk_error")
            return Verdict(Outcome.DROPPED, "internal_sdk_error")
        finally:
            self.in_flight = None
        return self._answered(envelope, answer)

    def _answered(self, envelope: Envelope, answer: Answer) -> Verdict:
        now, wall_now = self._clock(), self._wall_clock()
        self.limits = self.limits.update(answer.status, answer.headers, now, wall_now)
        verdict = judge(answer, wall_now)
        if verdict.outcome is not Outcome.SENT:
            self._log("Server answered %s to %s", answer.status, envelope.description)
        if verdict.outcome is Outcome.RETRY:
            self.retention.unreachable(now, verdict.retry_after)  # new ones wait a little
            return verdict
        self.retention.reached()
        if verdict.outcome is Outcome.DROPPED:
            self._drop(envelope, verdict.reason)
        return verdict

    def _failed(self, envelope: Envelope, exc: BaseException, verdict: Verdict) -> Verdict:
        self._log("Could not send %s: %s; it is kept for another try", envelope.description, exc)
        self.retention.unreachable(self._clock())
        return verdict

    def _due(self, verdict: Verdict, attempts: int) -> float:
        now = self._clock()
        if not verdict.answered:  # the server's own back-off
            return max(self.retention.retry_at, now)
        return now + backoff(attempts, verdict.retry_after)

    def _keep(self, envelope: Envelope, attempts: int, due: float) -> None:
        if all(item.type == "client_report" for item in envelope.items):
            self._drop(envelope, None)  # its counts go back to the counters, not in the way
            return
        for lost in self.retention.keep(envelope, attempts, due):
            if lost is envelope:
                self._log("Dropping %s after %d attempts", envelope.description, attempts)
            self._drop(lost, "network_error")

    def _drop(self, envelope: Envelope, reason: str | None) -> None:
        """Forget ``envelope``; count its items (``reason`` None: the server counted them)."""
        for item in envelope.items:
            if item.type == "client_report":
                self._reports.merge(item.payload.json)
            elif reason is not None:
                self._counter.record_lost_event(reason, item=item)

    def _attach_report(self, envelope: Envelope) -> None:
        reports = self._reports
        if not reports.enabled or not reports:
            return
        if self.limits.is_limited("internal", self._clock()):
            return
        if any(item.type == "client_report" for item in envelope.items):
            return
        payload = reports.take()
        if payload is not None:
            envelope.add_client_report(payload)

    def after_fork(self) -> None:
        """In a forked child: the parent's connections and kept envelopes are the parent's."""
        if self._poster is not None:
            # Kept, never freed nor closed here: the parent still uses those connections, and
            # freeing them would run urllib3's pool finalizer, which takes the pool's lock,
            # held for good if a thread of the parent was taking a connection at the fork.
            _parents_posters.append(self._poster)
            self._poster = None
        self.retention = Retention()
        self.in_flight = None


__all__ = [
    "Answer", "Log", "LossCounter", "NotSent", "Outcome", "Poster", "Sender", "Unanswered",
    "Verdict", "judge", "rfc3339",
]
