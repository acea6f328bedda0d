"""continue_trace and the outgoing headers, with tracing on and off."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sentry_lite
from sentry_lite.envelope import Envelope
from sentry_lite.testing import reset
from sentry_lite.tracing._headers import parse_baggage, parse_sentry_trace

TRACE = "771a43a4192642f0b136d5159a501700"
PARENT = "b0e6f15b45c36b12"
DSN = "https://pk@o12.ingest.sentry.io/5"


def _headers(sampled: str = "1", **baggage: str) -> dict[str, str]:
    items = {"trace_id": TRACE, "public_key": "upstream", "sample_rate": "0.5", **baggage}
    return {
        "sentry-trace": f"{TRACE}-{PARENT}-{sampled}" if sampled else f"{TRACE}-{PARENT}",
        "baggage": "other=1," + ",".join(f"sentry-{k}={v}" for k, v in items.items()),
    }


def test_continue_trace_joins_the_incoming_trace(
    sentry_init: Any, sentry_transactions: list[Any], sentry_envelopes: list[Envelope]
) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=0.0)  # the parent's decision wins
    tx = sentry_lite.continue_trace(_headers("1", sample_rand="0.123456"), name="GET /",
                                    op="http.server", source="route")
    assert (tx.trace_id, tx.parent_span_id, tx.parent_sampled) == (TRACE, PARENT, True)
    with sentry_lite.start_transaction(tx):
        assert tx.sampled is True
        assert tx.get_sample_rand() == 0.123456
    (event,) = sentry_transactions
    assert event["contexts"]["trace"]["trace_id"] == TRACE
    assert event["contexts"]["trace"]["parent_span_id"] == PARENT
    # The incoming DSC is frozen: sent as it came (other vendors' members left out).
    assert sentry_envelopes[0].headers["trace"] == {
        "trace_id": TRACE, "public_key": "upstream", "sample_rate": "0.5",
        "sample_rand": "0.123456",
    }


def test_the_parents_negative_decision_is_honoured(sentry_init: Any) -> None:
    sentry_init(traces_sample_rate=1.0)
    tx = sentry_lite.start_transaction(sentry_lite.continue_trace(_headers("0")))
    assert tx.sampled is False


def test_a_deferred_decision_is_made_here_with_the_incoming_sample_rand(
    sentry_init: Any,
) -> None:
    sentry_init(traces_sample_rate=0.3)
    low = sentry_lite.continue_trace(_headers("", sample_rand="0.299999"))
    high = sentry_lite.continue_trace(_headers("", sample_rand="0.3"))
    assert sentry_lite.start_transaction(low).sampled is True
    assert sentry_lite.start_transaction(high).sampled is False


def test_traces_sampler_compares_with_the_incoming_sample_rand(sentry_init: Any) -> None:
    seen: list[Any] = []

    def sampler(context: dict[str, Any]) -> float:
        seen.append((context["parent_sampled"], context["parent_sample_rate"]))
        return 0.2

    sentry_init(traces_sampler=sampler)
    assert sentry_lite.start_transaction(
        sentry_lite.continue_trace(_headers("0", sample_rand="0.1"))
    ).sampled is True
    assert sentry_lite.start_transaction(
        sentry_lite.continue_trace(_headers("1", sample_rand="0.25"))
    ).sampled is False
    assert seen == [(False, 0.5), (True, 0.5)]


def test_a_missing_sample_rand_agrees_with_the_parent(sentry_init: Any) -> None:
    sentry_init(traces_sample_rate=1.0)
    sampled = sentry_lite.continue_trace(_headers("1", sample_rate="0.01"))
    unsampled = sentry_lite.continue_trace(_headers("0", sample_rate="0.99"))
    assert sampled.get_sample_rand() < 0.01
    assert unsampled.get_sample_rand() >= 0.99
    assert sampled.get_dynamic_sampling_context()["sample_rand"] == (
        f"{sampled.get_sample_rand():.6f}"
    )


def test_a_wsgi_environ_works_too(sentry_init: Any) -> None:
    sentry_init(traces_sample_rate=1.0)
    headers = _headers("1")
    environ = {
        "REQUEST_METHOD": "GET",
        "HTTP_SENTRY_TRACE": headers["sentry-trace"],
        "HTTP_BAGGAGE": headers["baggage"],
    }
    tx = sentry_lite.continue_trace(environ)
    assert (tx.trace_id, tx.parent_span_id) == (TRACE, PARENT)
    assert tx.get_dynamic_sampling_context()["public_key"] == "upstream"


def _header_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(), st.text(max_size=60), st.binary(max_size=60), st.integers(),
        st.lists(st.text(max_size=20), max_size=3),
        st.just(f"{TRACE}-{PARENT}-7"), st.just(f"{TRACE}-zz"), st.just("-".join(["0" * 32] * 3)),
    )


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.fixed_dictionaries({"sentry-trace": _header_values(), "baggage": _header_values()}),
    st.none(), st.integers(), st.text(max_size=20),
    st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=3),
))
def test_malformed_headers_start_a_fresh_trace_and_never_raise(
    sentry_init: Any, carrier: Any
) -> None:
    sentry_init(traces_sample_rate=1.0)
    tx = sentry_lite.continue_trace(carrier)
    parsed = None
    if isinstance(carrier, dict):
        parsed = parse_sentry_trace(carrier.get("sentry-trace"))
    if parsed is None:
        assert tx.parent_span_id is None
        assert tx.parent_sampled is None
        assert len(tx.trace_id) == 32
        assert tx.trace_id != TRACE or (isinstance(carrier, dict) and parsed)
    with sentry_lite.start_transaction(tx):
        assert sentry_lite.get_traceparent()
        sentry_lite.get_baggage()


def test_fresh_traces_are_really_fresh(sentry_init: Any) -> None:
    sentry_init(traces_sample_rate=1.0)
    ids = {sentry_lite.continue_trace({"sentry-trace": "garbage"}).trace_id for _ in range(5)}
    assert len(ids) == 5


def test_traces_of_another_org_are_not_continued(sentry_init: Any) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=1.0)
    assert sentry_lite.continue_trace(_headers("1", org_id="99")).trace_id != TRACE
    assert sentry_lite.continue_trace(_headers("1", org_id="12")).trace_id == TRACE
    reset()
    sentry_init(dsn=DSN, traces_sample_rate=1.0, strict_trace_continuation=True)
    assert sentry_lite.continue_trace(_headers("1")).trace_id != TRACE


def test_without_tracing_errors_share_the_incoming_trace(
    sentry_init: Any, sentry_events: list[Any], sentry_envelopes: list[Envelope]
) -> None:
    sentry_init(dsn=DSN)
    with sentry_lite.isolation_scope():
        sentry_lite.continue_trace(_headers("1", sample_rand="0.25"))
        sentry_lite.capture_message("in the request")
        traceparent = sentry_lite.get_traceparent()
        baggage = sentry_lite.get_baggage()
    context = sentry_events[0]["contexts"]["trace"]
    assert (context["trace_id"], context["parent_span_id"]) == (TRACE, PARENT)
    assert traceparent == f"{TRACE}-{context['span_id']}-1"
    incoming = {"trace_id": TRACE, "public_key": "upstream", "sample_rate": "0.5",
                "sample_rand": "0.25"}
    assert sentry_envelopes[0].headers["trace"] == incoming
    assert parse_baggage(baggage) == (incoming, [])


def test_without_tracing_a_new_trace_defers_the_decision(
    sentry_init: Any, sentry_events: list[Any], sentry_envelopes: list[Envelope]
) -> None:
    sentry_init(dsn=DSN, release="app@2")
    traceparent = sentry_lite.get_traceparent()
    items, _ = parse_baggage(sentry_lite.get_baggage())
    sentry_lite.capture_message("m")
    trace_id, span_id, sampled = parse_sentry_trace(traceparent) or ("", "", None)
    assert sampled is None
    context = sentry_events[0]["contexts"]["trace"]
    assert (trace_id, span_id) == (context["trace_id"], context["span_id"])
    assert items.keys() == {"trace_id", "public_key", "org_id", "release", "environment",
                            "sample_rand"}
    assert sentry_envelopes[0].headers["trace"] == items


def test_an_old_sdk_without_baggage_gets_our_dsc_in_its_trace(sentry_init: Any) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=1.0)
    tx = sentry_lite.continue_trace({"sentry-trace": f"{TRACE}-{PARENT}-1"}, name="n")
    with sentry_lite.start_transaction(tx):
        dsc = tx.get_dynamic_sampling_context()
    assert dsc["trace_id"] == TRACE
    assert dsc["public_key"] == "pk"
    assert dsc["sampled"] == "true"


def test_outgoing_headers_inside_a_transaction(sentry_init: Any) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=1.0, release="r")
    with sentry_lite.start_transaction(name="job") as tx, sentry_lite.start_span(op="a") as span:
        headers = dict(sentry_lite.get_current_scope().iter_trace_propagation_headers())
        assert headers == dict(span.iter_headers())
    assert headers["sentry-trace"] == f"{tx.trace_id}-{span.span_id}-1"
    items, _ = parse_baggage(headers["baggage"])
    assert items == tx.get_dynamic_sampling_context()
    assert items["transaction"] == "job"


def test_propagate_traces_false_sends_no_headers(sentry_init: Any) -> None:
    sentry_init(traces_sample_rate=1.0, propagate_traces=False)
    with sentry_lite.start_transaction(name="t"):
        assert list(sentry_lite.get_current_scope().iter_trace_propagation_headers()) == []
