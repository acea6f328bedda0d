"""Rate limits announced by the server: pure parsing, no clock read, no I/O.

Two headers matter:

- ``X-Sentry-Rate-Limits`` (on any response): comma-separated quotas, each
  ``retry_after:categories:scope:reason_code:namespaces``. ``retry_after`` is in
  seconds (floats accepted), ``categories`` is ``;``-separated and empty means
  every category. Only the first two fields change what the SDK does; the
  others are kept for debugging.
- ``Retry-After`` (on a 429 without the header above): seconds or an HTTP date;
  60 seconds when missing or unreadable. It limits every category.

Deadlines are expressed on whatever monotonic clock the caller passes as
``now``, so tests drive time by hand.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Protocol

    from sentry_lite.envelope import Envelope, Item

    class _Counter(Protocol):
        def record_lost_event(
            self, reason: str, data_category: str | None = None, item: Item | None = None,
            *, quantity: int = 1,
        ) -> None: ...

DEFAULT_RETRY_AFTER = 60.0
# A server cannot make the SDK go silent for more than a day by mistake.
MAX_RETRY_AFTER = 86400.0
ALL = ""  # the key of a limit that applies to every category


class Quota:
    """One entry of ``X-Sentry-Rate-Limits``."""

    __slots__ = ("categories", "namespaces", "reason", "retry_after", "scope")

    def __init__(
        self,
        retry_after: float,
        categories: tuple[str, ...] = (),
        scope: str = "",
        reason: str = "",
        namespaces: tuple[str, ...] = (),
    ) -> None:
        self.retry_after = retry_after
        self.categories = categories
        self.scope = scope
        self.reason = reason
        self.namespaces = namespaces

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Quota) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[object, ...]:
        return (self.retry_after, self.categories, self.scope, self.reason, self.namespaces)

    def __repr__(self) -> str:
        return (
            f"Quota({self.retry_after!r}, {self.categories!r}, {self.scope!r}, "
            f"{self.reason!r}, {self.namespaces!r})"
        )


def _seconds(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    if not value >= 0:  # negative or NaN
        return None
    return min(value, MAX_RETRY_AFTER)


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


def parse_rate_limits(header: str) -> list[Quota]:
    """Parse an ``X-Sentry-Rate-Limits`` value; unreadable entries are skipped."""
    quotas = []
    for entry in header.split(","):
        fields = entry.strip().split(":")
        retry_after = _seconds(fields[0]) if fields[0].strip() else None
        if retry_after is None:
            continue
        fields += [""] * (5 - len(fields))
        quotas.append(
            Quota(
                retry_after,
                categories=_split(fields[1]),
                scope=fields[2].strip(),
                reason=fields[3].strip(),
                namespaces=_split(fields[4]),
            )
        )
    return quotas


def parse_retry_after(value: str | None, wall_now: float) -> float:
    """Seconds to wait from a ``Retry-After`` value (seconds or an HTTP date).

    ``wall_now`` is the current Unix time, needed to turn a date into a delay.
    """
    if not value:
        return DEFAULT_RETRY_AFTER
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value.strip()).timestamp()
    except (TypeError, ValueError, IndexError):
        return DEFAULT_RETRY_AFTER
    return min(max(when - wall_now, 0.0), MAX_RETRY_AFTER)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None or not isinstance(headers, dict):
        return value  # (urllib3's HTTPHeaderDict already looked it up case-insensitively)
    lowered = name.lower()
    for key, found in headers.items():
        if key.lower() == lowered:
            return str(found)
    return None


class RateLimits:
    """Which categories are limited, and until when. An immutable value.

    ``update`` returns a new value, so a reader in another thread always sees a
    consistent one (the transport swaps a single reference).
    """

    __slots__ = ("_until", "empty")

    def __init__(self, until: Mapping[str, float] | None = None) -> None:
        self._until: dict[str, float] = dict(until or {})
        self.empty = not self._until  # no limit at all, expired or not (a cheap first check)

    def disabled_until(self, category: str) -> float:
        """The deadline of ``category`` (the later of its own and the global one); 0 if none."""
        return max(self._until.get(category, 0.0), self._until.get(ALL, 0.0))

    def is_limited(self, category: str, now: float) -> bool:
        return self.disabled_until(category) > now

    def is_empty(self, now: float) -> bool:
        """True when no limit is active at ``now``."""
        return all(until <= now for until in self._until.values())

    def active(self, now: float) -> dict[str, float]:
        """``{category: seconds left}`` of the limits active at ``now`` (``""`` = all)."""
        return {cat: until - now for cat, until in self._until.items() if until > now}

    def with_limit(self, categories: Iterable[str], seconds: float, now: float) -> RateLimits:
        """A copy where ``categories`` (none = all) are limited for ``seconds`` more."""
        until = {cat: deadline for cat, deadline in self._until.items() if deadline > now}
        deadline = now + seconds
        for category in tuple(categories) or (ALL,):
            if until.get(category, 0.0) < deadline:
                until[category] = deadline
        return RateLimits(until)

    def update(
        self, status: int, headers: Mapping[str, str], now: float, wall_now: float
    ) -> RateLimits:
        """The limits after a response with ``status`` and ``headers``.

        ``X-Sentry-Rate-Limits`` wins on any status; otherwise a 429 limits every
        category for its ``Retry-After``.
        """
        header = _header(headers, "X-Sentry-Rate-Limits")
        if header:
            limits = self
            for quota in parse_rate_limits(header):
                limits = limits.with_limit(quota.categories, quota.retry_after, now)
            return limits
        if status == 429:
            seconds = parse_retry_after(_header(headers, "Retry-After"), wall_now)
            return self.with_limit((), seconds, now)
        return self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RateLimits) and self._until == other._until

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._until.items())))

    def __repr__(self) -> str:
        return f"RateLimits({self._until!r})"


def without_limited(
    envelope: Envelope, limits: RateLimits, now: float, counter: _Counter
) -> Envelope | None:
    """``envelope`` minus its items of limited categories (each counted
    ``ratelimit_backoff`` on ``counter``); None when nothing is left."""
    if limits.empty or limits.is_empty(now):
        return envelope
    kept = []
    for item in envelope.items:
        if limits.is_limited(item.data_category, now):
            counter.record_lost_event("ratelimit_backoff", item=item)
        else:
            kept.append(item)
    if len(kept) == len(envelope.items):
        return envelope
    if not kept:
        return None
    from sentry_lite.envelope import Envelope

    return Envelope(headers=envelope.headers, items=kept)


__all__ = [
    "DEFAULT_RETRY_AFTER",
    "Quota",
    "RateLimits",
    "parse_rate_limits",
    "parse_retry_after",
    "without_limited",
]
