"""sentry-trace and baggage: lenient reading, exact writing (pure functions)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sentry_lite.tracing._headers import (
    MAX_BAGGAGE_BYTES,
    format_baggage,
    format_sentry_trace,
    header_value,
    merge_baggage,
    parse_baggage,
    parse_sentry_trace,
)

TRACE = "771a43a4192642f0b136d5159a501700"
SPAN = "b0e6f15b45c36b12"

hex_ids = st.text("0123456789abcdef", min_size=32, max_size=32).filter(lambda s: s.strip("0"))
span_ids = st.text("0123456789abcdef", min_size=16, max_size=16).filter(lambda s: s.strip("0"))


def test_sentry_trace_forms() -> None:
    assert parse_sentry_trace(f"{TRACE}-{SPAN}-1") == (TRACE, SPAN, True)
    assert parse_sentry_trace(f"{TRACE}-{SPAN}-0") == (TRACE, SPAN, False)
    assert parse_sentry_trace(f"{TRACE}-{SPAN}") == (TRACE, SPAN, None)
    assert parse_sentry_trace(f"{TRACE}-{SPAN}-") == (TRACE, SPAN, None)
    assert parse_sentry_trace(TRACE) == (TRACE, None, None)


def test_sentry_trace_is_read_leniently() -> None:
    assert parse_sentry_trace(f"  {TRACE.upper()}-{SPAN}-1 \t") == (TRACE, SPAN, True)
    assert parse_sentry_trace(f"{TRACE}-{SPAN}-true") == (TRACE, SPAN, True)
    assert parse_sentry_trace(f"00-{TRACE}-{SPAN}-01") == (TRACE, SPAN, True)
    assert parse_sentry_trace(f"{TRACE}-{SPAN}-1".encode()) == (TRACE, SPAN, True)
    assert parse_sentry_trace([f"{TRACE}-{SPAN}-0", "junk"]) == (TRACE, SPAN, False)


def test_malformed_sentry_trace_is_none() -> None:
    for bad in (
        None, "", "garbage", "-", "1", f"{TRACE[:-1]}-{SPAN}-1", f"{TRACE}-{SPAN[:-1]}",
        f"{TRACE}-{SPAN}-2", f"{TRACE}-{SPAN}-1-1", "0" * 32 + f"-{SPAN}", f"{TRACE}-" + "0" * 16,
        "g" * 32, 42, object(), [], {"a": 1}, f"{TRACE}x-{SPAN}",
    ):
        assert parse_sentry_trace(bad) is None, bad


@given(hex_ids, span_ids, st.sampled_from([True, False, None]))
def test_sentry_trace_round_trip(trace_id: str, span_id: str, sampled: bool | None) -> None:
    assert parse_sentry_trace(format_sentry_trace(trace_id, span_id, sampled)) == (
        trace_id, span_id, sampled
    )


@given(st.text(max_size=80))
def test_parsing_never_raises(text: str) -> None:
    parse_sentry_trace(text)
    parse_baggage(text)


def test_baggage_sentry_items_and_other_vendors() -> None:
    items, others = parse_baggage(
        "other-vendor-value-1=foo;bar;baz, sentry-trace_id=771a43a4192642f0b136d5159a501700, "
        "sentry-public_key=49d0f7386ad645858ae85020e393bef3, sentry-sample_rate=0.01337, "
        "sentry-user_id=Am%C3%A9lie, other-vendor-value-2=foo;bar;"
    )
    assert items == {
        "trace_id": TRACE,
        "public_key": "49d0f7386ad645858ae85020e393bef3",
        "sample_rate": "0.01337",
        "user_id": "Amélie",
    }
    assert others == ["other-vendor-value-1=foo;bar;baz", "other-vendor-value-2=foo;bar;"]


def test_baggage_properties_and_junk_are_dropped() -> None:
    items, others = parse_baggage(
        ["sentry-environment=a%20b;prop=1", b"sentry-=x,noequals,=novalue, sentry-release = 1.0 "]
    )
    assert items == {"environment": "a b", "release": "1.0"}
    assert others == []


def test_baggage_is_written_exactly() -> None:
    dsc = {"trace_id": TRACE, "environment": "prod env", "transaction": "/api/a,b;c", "x": None}
    assert format_baggage(dsc) == (
        f"sentry-trace_id={TRACE},sentry-environment=prod%20env,"
        "sentry-transaction=/api/a%2Cb%3Bc"
    )


@given(st.dictionaries(st.text("abcdefghij_", min_size=1, max_size=10), st.text(max_size=30),
                       max_size=8))
def test_baggage_round_trip(dsc: dict[str, str]) -> None:
    items, others = parse_baggage(format_baggage(dsc))
    assert items == dsc
    assert others == []


def test_merging_keeps_other_vendors_and_replaces_sentry_members() -> None:
    merged = merge_baggage("foo=1, sentry-trace_id=old, bar=2", {"trace_id": TRACE})
    assert merged == f"foo=1,bar=2,sentry-trace_id={TRACE}"


def test_written_baggage_stays_within_the_w3c_limit() -> None:
    dsc = {f"k{i}": "v" * 500 for i in range(40)}
    assert len(format_baggage(dsc)) <= MAX_BAGGAGE_BYTES


def test_header_lookup_in_mappings_environs_and_pairs() -> None:
    assert header_value({"sentry-trace": "a"}, "sentry-trace") == "a"
    assert header_value({"Sentry-Trace": "b"}, "sentry-trace") == "b"
    assert header_value({"HTTP_SENTRY_TRACE": "c", "wsgi.input": None}, "sentry-trace") == "c"
    assert header_value([(b"baggage", b"x"), (b"baggage", b"y")], "baggage") == [b"x", b"y"]
    assert header_value(None, "baggage") is None
    assert header_value(42, "baggage") is None
    assert header_value({}, "baggage") is None


class _ExplodingHeaders(dict[str, str]):
    def get(self, *args: object, **kwargs: object) -> str:
        raise RuntimeError("broken mapping")


def test_header_lookup_never_raises() -> None:
    assert header_value(_ExplodingHeaders(), "sentry-trace") is None
