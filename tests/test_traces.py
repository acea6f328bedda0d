"""``sentry_lite.traces`` (the official span-streaming API): the names import, the enums and
trace helpers work, and what would stream a span says it is not implemented."""

from __future__ import annotations

from typing import Any

import pytest

import sentry_lite
from sentry_lite import traces

TRACE = "771a43a4192642f0b136d5159a501700"
PARENT = "b0e6f15b45c36b12"


def test_enums_and_constants() -> None:
    error: str = traces.SpanStatus.ERROR  # a str enum: its members are the strings themselves
    assert error == "error" and str(traces.SpanStatus.OK) == "ok"
    assert traces.SOURCE_FOR_STYLE["url"] is traces.SegmentNameSource.ROUTE
    assert traces.LOW_QUALITY_SEGMENT_SOURCES == [traces.SegmentNameSource.URL]
    assert (traces.SENTRY_TRACE_HEADER_NAME, traces.BAGGAGE_HEADER_NAME) == ("sentry-trace",
                                                                           "baggage")


@pytest.mark.parametrize(
    "call",
    [
        lambda: traces.start_span("work"),
        lambda: traces.trace(lambda: None),
        lambda: traces.StreamedSpan(name="x", scope=None),
        traces.NoOpStreamedSpan,
        lambda: traces.create_streaming_span_decorator("x"),
        lambda: traces.get_url_attributes(None, None),
    ],
)
def test_streaming_calls_say_they_are_not_implemented(call: Any) -> None:
    with pytest.raises(NotImplementedError, match="does not implement span streaming"):
        call()


def test_continue_trace_and_new_trace_work_on_the_propagation_context() -> None:
    assert traces.get_current_span() is None
    assert traces.is_ignored_span("x", None) is False
    with sentry_lite.isolation_scope() as isolation:
        traces.continue_trace({"sentry-trace": f"{TRACE}-{PARENT}-1"})
        assert isolation.propagation_context.trace_id == TRACE
        assert sentry_lite.get_traceparent().startswith(TRACE)  # type: ignore[union-attr]
        traces.new_trace()
        assert isolation.propagation_context.trace_id != TRACE
