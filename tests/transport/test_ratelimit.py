"""Parsing of X-Sentry-Rate-Limits and Retry-After, and the RateLimits value (pure, no clock)."""

from __future__ import annotations

from email.utils import formatdate

from hypothesis import given
from hypothesis import strategies as st

from sentry_lite.transport._ratelimit import (
    DEFAULT_RETRY_AFTER,
    MAX_RETRY_AFTER,
    Quota,
    RateLimits,
    parse_rate_limits,
    parse_retry_after,
)

WALL = 1_700_000_000.0


def test_full_grammar() -> None:
    quotas = parse_rate_limits(
        "60:transaction:key, 2700:default;error;security:organization:quota_exceeded,"
        "10::project, 1.5:metric_bucket:organization:reason:custom;other"
    )
    assert quotas == [
        Quota(60.0, ("transaction",), "key"),
        Quota(2700.0, ("default", "error", "security"), "organization", "quota_exceeded"),
        Quota(10.0, (), "project"),
        Quota(1.5, ("metric_bucket",), "organization", "reason", ("custom", "other")),
    ]


def test_unreadable_entries_are_skipped() -> None:
    assert parse_rate_limits("abc:error, :error, -5:error, nan:error, 3:error") == [
        Quota(3.0, ("error",))
    ]
    assert parse_rate_limits("") == []


def test_retry_after_is_capped() -> None:
    assert parse_rate_limits("1e12:error")[0].retry_after == MAX_RETRY_AFTER


def test_header_limits_named_categories_only() -> None:
    limits = RateLimits().update(200, {"X-Sentry-Rate-Limits": "60:error;attachment:key"}, 0, WALL)
    assert limits.is_limited("error", 59.9)
    assert limits.is_limited("attachment", 10)
    assert not limits.is_limited("transaction", 10)
    assert not limits.is_limited("error", 60.0)  # expired exactly at the deadline


def test_empty_categories_limit_everything() -> None:
    limits = RateLimits().update(429, {"x-sentry-rate-limits": "5::organization"}, 100, WALL)
    for category in ("error", "transaction", "internal", "anything"):
        assert limits.is_limited(category, 104)
    assert limits.is_empty(105)


def test_header_wins_over_retry_after_on_429() -> None:
    headers = {"X-Sentry-Rate-Limits": "2:error", "Retry-After": "100"}
    limits = RateLimits().update(429, headers, 0, WALL)
    assert limits.active(0) == {"error": 2.0}


def test_429_without_header_uses_retry_after_for_all() -> None:
    limits = RateLimits().update(429, {"Retry-After": "30"}, 10, WALL)
    assert limits.active(10) == {"": 30.0}
    assert limits.is_limited("transaction", 39)


def test_429_without_any_header_waits_the_default() -> None:
    limits = RateLimits().update(429, {}, 0, WALL)
    assert limits.active(0) == {"": DEFAULT_RETRY_AFTER}


def test_other_statuses_without_header_change_nothing() -> None:
    limits = RateLimits().with_limit(["error"], 10, 0)
    for status in (200, 413, 500, 503):
        assert limits.update(status, {"Retry-After": "99"}, 0, WALL) == limits


def test_retry_after_seconds_float_and_http_date() -> None:
    assert parse_retry_after("12", WALL) == 12.0
    assert parse_retry_after("0.5", WALL) == 0.5
    assert parse_retry_after(formatdate(WALL + 90, usegmt=True), WALL) == 90.0
    assert parse_retry_after(formatdate(WALL - 90, usegmt=True), WALL) == 0.0
    assert parse_retry_after("soon", WALL) == DEFAULT_RETRY_AFTER
    assert parse_retry_after(None, WALL) == DEFAULT_RETRY_AFTER


def test_limits_only_grow_and_expired_ones_are_forgotten() -> None:
    limits = RateLimits().with_limit(["error"], 100, 0)
    shorter = limits.with_limit(["error"], 10, 0)
    assert shorter.disabled_until("error") == 100
    later = shorter.with_limit(["transaction"], 5, 200)
    assert later.active(200) == {"transaction": 5.0}
    assert later.disabled_until("error") == 0  # dropped once expired


def test_a_category_limit_and_a_global_limit_combine() -> None:
    limits = RateLimits().with_limit(["error"], 50, 0).with_limit([], 10, 0)
    assert limits.disabled_until("error") == 50
    assert limits.disabled_until("transaction") == 10


@given(st.text())
def test_parser_never_raises(header: str) -> None:
    for quota in parse_rate_limits(header):
        assert 0 <= quota.retry_after <= MAX_RETRY_AFTER
    assert parse_retry_after(header, WALL) >= 0


@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=1e5),
            st.lists(st.sampled_from(["error", "transaction", "attachment"]), max_size=3),
        ),
        max_size=5,
    ),
    st.floats(min_value=0, max_value=2e5),
)
def test_a_category_is_limited_until_its_longest_quota(
    entries: list[tuple[float, list[str]]], at: float
) -> None:
    header = ", ".join(f"{seconds!r}:{';'.join(cats)}:key" for seconds, cats in entries)
    limits = RateLimits().update(429, {"X-Sentry-Rate-Limits": header}, 0, WALL)
    if not entries:
        assert limits.is_limited("error", 0)  # a 429 with an empty header: Retry-After default
        return
    longest = max((s for s, cats in entries if not cats or "error" in cats), default=0.0)
    longest = min(longest, MAX_RETRY_AFTER)
    assert limits.is_limited("error", at) == (at < longest)
