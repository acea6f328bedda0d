"""Sampling: sample_rand, the precedence of decisions, the DSC, and the statistics."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import sentry_lite
from sentry_lite.tracing._dsc import build_dsc, org_id, same_org
from sentry_lite.tracing._sampling import (
    decide,
    format_rate,
    incoming_sample_rand,
    parse_rate,
    parse_sample_rand,
    sample_rand_for,
)

TRACE = "d1afc3a104504fbe8026e184c4f21fe9"
trace_ids = st.text("0123456789abcdef", min_size=32, max_size=32)


def test_sample_rand_is_a_function_of_the_trace_id() -> None:
    # The official Python SDK derives 0.500016 for this trace id, and the same numbers
    # squeezed into [0, 0.5) and [0.5, 1) for a parent sampled (or not) at 0.5.
    assert sample_rand_for(TRACE) == 0.500016
    assert sample_rand_for(TRACE, 0.0, 0.5) == 0.250008
    assert sample_rand_for(TRACE, 0.5, 1.0) == 0.750008


@given(trace_ids, st.floats(0, 1), st.floats(0, 1))
def test_sample_rand_stays_in_its_interval(trace_id: str, a: float, b: float) -> None:
    low, high = min(a, b), max(a, b)
    value = sample_rand_for(trace_id, low, high)
    assert value == round(value, 6)
    assert 0 <= value < 1
    if high - low >= 1e-6 or low == 0 < high:
        assert low <= value < high


@given(trace_ids, st.floats(0, 1), st.booleans())
def test_a_derived_sample_rand_agrees_with_the_parent(
    trace_id: str, rate: float, sampled: bool
) -> None:
    rand = incoming_sample_rand(trace_id, None, sampled, str(rate))
    if sampled and rate > 0:
        assert rand < rate
    elif not sampled and rate <= 0.999999:  # else no six-decimal number fits
        assert rand >= rate


def test_incoming_sample_rand_wins_when_valid() -> None:
    assert incoming_sample_rand(TRACE, "0.123", True, "0.01") == 0.123
    assert incoming_sample_rand(TRACE, "1.5", None, None) == sample_rand_for(TRACE)
    assert incoming_sample_rand(TRACE, "nan", None, None) == sample_rand_for(TRACE)
    assert parse_sample_rand("1.0") is None
    assert parse_sample_rand("0") == 0.0


def test_rates() -> None:
    assert parse_rate(True) == 1.0
    assert parse_rate(False) == 0.0
    assert parse_rate("0.25") == 0.25
    for bad in (None, "x", -0.1, 1.1, float("nan"), float("inf"), object()):
        assert parse_rate(bad) is None
    assert format_rate(1) == "1.0"
    assert format_rate(0.25) == "0.25"


def test_precedence_explicit_then_sampler_then_parent_then_rate() -> None:
    seen: list[dict[str, Any]] = []

    def sampler(context: dict[str, Any]) -> float:
        seen.append(context)
        return 0.0

    explicit = decide(sample_rand=0.5, explicit=True, sampler=sampler, traces_sample_rate=0.0)
    assert (explicit.sampled, seen) == (True, [])
    by_sampler = decide(
        sample_rand=0.5, sampler=sampler, sampling_context={"custom": 1},
        parent_sampled=True, traces_sample_rate=1.0,
    )
    assert by_sampler.sampled is False
    assert seen == [{"custom": 1}]
    by_parent = decide(sample_rand=0.99, parent_sampled=True, parent_sample_rate=0.1,
                       traces_sample_rate=0.0)
    assert (by_parent.sampled, by_parent.sample_rate) == (True, 0.1)
    by_rate = decide(sample_rand=0.2, traces_sample_rate=0.25)
    assert (by_rate.sampled, by_rate.sample_rate) == (True, 0.25)
    assert decide(sample_rand=0.25, traces_sample_rate=0.25).sampled is False


def test_a_bad_sampler_means_not_sampled_and_never_raises() -> None:
    def boom(context: dict[str, Any]) -> float:
        raise RuntimeError("sampler bug")

    for sampler in (boom, lambda c: "yes", lambda c: 2, lambda c: None):
        decision = decide(sample_rand=0.0, sampler=sampler)
        assert decision.sampled is False
        assert decision.problem
    assert decide(sample_rand=0.99, sampler=lambda c: True).sampled is True


def test_ten_thousand_decisions_fall_in_the_binomial_interval() -> None:
    n, p = 10_000, 0.25
    sampled = sum(
        decide(sample_rand=sample_rand_for(os.urandom(16).hex()), traces_sample_rate=p).sampled
        for _ in range(n)
    )
    # 99.9% two-sided normal approximation of Binomial(10000, 0.25): z = 3.2905.
    half_width = 3.2905 * math.sqrt(n * p * (1 - p))
    assert n * p - half_width <= sampled <= n * p + half_width


def test_ten_thousand_new_traces_sampled_through_the_api_fall_in_the_interval(
    sentry_init: Any,
) -> None:
    sentry_init(traces_sample_rate=0.25)
    n, p, sampled = 10_000, 0.25, 0
    for _ in range(n):
        with sentry_lite.isolation_scope() as scope:
            scope.set_new_propagation_context()  # a trace of its own, started here
            sampled += bool(sentry_lite.start_transaction(name="t").sampled)
    half_width = 3.2905 * math.sqrt(n * p * (1 - p))
    assert n * p - half_width <= sampled <= n * p + half_width


def test_one_trace_id_always_gets_the_same_decision(sentry_init: Any) -> None:
    sentry_init(traces_sample_rate=0.5)
    for trace_id in (os.urandom(16).hex() for _ in range(20)):
        decisions = {
            sentry_lite.start_transaction(name="t", trace_id=trace_id).sampled for _ in range(5)
        }
        assert len(decisions) == 1


def test_the_same_trace_id_gets_the_same_decision_in_another_process() -> None:
    ids = [os.urandom(16).hex() for _ in range(30)]
    script = (
        "import sys\n"
        "from sentry_lite.tracing._sampling import decide, sample_rand_for\n"
        "for t in sys.argv[1:]:\n"
        "    print(int(decide(sample_rand=sample_rand_for(t), traces_sample_rate=0.5).sampled))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, *ids], capture_output=True, text=True, check=True
    ).stdout.split()
    here = [str(int(decide(sample_rand=sample_rand_for(t), traces_sample_rate=0.5).sampled))
            for t in ids]
    assert out == here


class _Options:
    environment = "prod"
    release = "app@1"
    org_id = None
    strict_trace_continuation = False


class _Dsn:
    public_key = "pk"
    host = "o42.ingest.sentry.io"


def test_dsc_has_every_known_field_as_strings() -> None:
    dsc = build_dsc(
        TRACE, _Options(), _Dsn(), sample_rand=0.5, transaction="/users/:id", source="route",
        sample_rate=0.25, sampled=True,
    )
    assert dsc == {
        "trace_id": TRACE,
        "sample_rand": "0.500000",
        "environment": "prod",
        "release": "app@1",
        "public_key": "pk",
        "org_id": "42",
        "transaction": "/users/:id",
        "sample_rate": "0.25",
        "sampled": "true",
    }
    assert "transaction" not in build_dsc(TRACE, None, None, transaction="/u/1", source="url")


def test_org_ids_and_trace_continuation() -> None:
    options = _Options()
    assert org_id(options, _Dsn()) == "42"
    options.org_id = "7"  # type: ignore[assignment]
    assert org_id(options, _Dsn()) == "7"
    assert same_org({"org_id": "7"}, options, _Dsn())
    assert not same_org({"org_id": "8"}, options, _Dsn())
    assert same_org({}, options, _Dsn())
    options.strict_trace_continuation = True
    assert not same_org({}, options, _Dsn())
    assert same_org({}, None, None)
