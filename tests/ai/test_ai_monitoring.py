"""sentry_sdk.ai.monitoring: @ai_track pipelines and runs, record_token_usage (both deprecated
upstream, and warning as there)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import sentry_lite
from sentry_lite.ai.monitoring import ai_track, get_ai_pipeline_name, record_token_usage

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_a_pipeline_and_its_runs_are_spans(sentry_init: Any,
                                           sentry_transactions: list[Any]) -> None:
    sentry_init(traces_sample_rate=1.0)

    @ai_track("summarize")
    def run(text: str, **_: Any) -> str:  # (sentry_tags / sentry_data: taken by the decorator)
        span = sentry_lite.get_current_span()
        record_token_usage(span, input_tokens=10, output_tokens=5)
        return text[:3]

    @ai_track("answer pipeline")
    async def pipeline() -> str:
        assert get_ai_pipeline_name() == "answer pipeline"
        return run("hello", sentry_tags={"model": "m1"}, sentry_data={"k": 1})

    with sentry_lite.start_transaction(name="request"):
        assert asyncio.run(pipeline()) == "hel"
    assert get_ai_pipeline_name() is None
    by_op = {span["op"]: span for span in sentry_transactions[0]["spans"]}
    outer, inner = by_op["ai.pipeline"], by_op["ai.run"]
    assert (outer["op"], outer["description"]) == ("ai.pipeline", "answer pipeline")
    assert (inner["op"], inner["description"]) == ("ai.run", "summarize")
    assert inner["parent_span_id"] == outer["span_id"]
    assert inner["tags"]["model"] == "m1"
    assert inner["data"]["k"] == 1
    assert inner["data"]["gen_ai.pipeline.name"] == "answer pipeline"
    assert inner["data"]["gen_ai.usage.total_tokens"] == 15


def test_an_error_leaving_the_pipeline_is_reported_and_raised(
    sentry_init: Any, sentry_events: list[Any],
) -> None:
    sentry_init()

    @ai_track("pipeline", op="custom.op")
    def failing() -> None:
        raise ValueError("model refused")

    with pytest.raises(ValueError):
        failing()
    (event,) = sentry_events
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "ai_monitoring",
                                                             "handled": False}


def test_the_decorator_warns_as_upstream() -> None:
    with pytest.warns(DeprecationWarning, match="ai_track is deprecated"):
        ai_track("x")
