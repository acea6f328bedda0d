"""Metrics: count, gauge and distribution, batched as trace_metric items."""

from __future__ import annotations

from typing import Any

import sentry_lite
from sentry_lite import metrics
from tests.telemetry_helpers import run_items, shape


def _metrics(envelopes: Any) -> list[dict[str, Any]]:
    return [entry for e in envelopes for i in e.items if i.type == "trace_metric"
            for entry in i.payload.json["items"]]


def test_the_three_kinds_have_the_official_wire_shape() -> None:
    code = """
    from {module} import metrics
    metrics.count("orders", 2, unit="none", attributes={"plan": "pro", "n": 3})
    metrics.gauge("queue.depth", 7.5, attributes={"ok": True})
    metrics.distribution("latency", 12, unit="millisecond", attributes={"ids": [1, 2]})
    with sdk.start_transaction(name="t"):
        metrics.count("in.tx", 1)
    """
    mine = run_items("sentry_lite", code.replace("{module}", "sentry_lite"))
    theirs = run_items("sentry_sdk", code.replace("{module}", "sentry_sdk"))
    assert shape(mine) == shape(theirs)
    (item,) = mine
    assert item["headers"]["type"] == "trace_metric"
    assert item["headers"]["content_type"] == "application/vnd.sentry.items.trace-metric+json"
    assert [m["type"] for m in item["payload"]["items"]] == [
        "counter", "gauge", "distribution", "counter"]


def test_metrics_carry_trace_span_and_attributes(sentry_init: Any, sentry_envelopes: Any) -> None:
    sentry_init(traces_sample_rate=1.0, release="r-2")
    metrics.count("outside", 1)
    with sentry_lite.start_transaction(name="t") as tx:
        metrics.distribution("inside", 3, unit="second", attributes={"route": "/a"})
    sentry_lite.flush()
    outside, inside = _metrics(sentry_envelopes)
    assert "span_id" not in outside and len(outside["trace_id"]) == 32
    assert inside["trace_id"] == tx.trace_id and inside["span_id"] == tx.span_id
    assert inside["unit"] == "second" and inside["value"] == 3.0
    assert inside["attributes"]["route"] == {"value": "/a", "type": "string"}
    assert inside["attributes"]["sentry.release"] == {"value": "r-2", "type": "string"}


def test_before_send_metric_edits_and_drops(sentry_init: Any, sentry_envelopes: Any,
                                            sentry_lost: Any) -> None:
    def hook(metric: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
        if metric["name"] == "drop.me":
            return None
        metric["attributes"]["seen"] = 1
        return metric

    sentry_init(before_send_metric=hook)
    metrics.gauge("keep", 1)
    metrics.gauge("drop.me", 1)
    sentry_lite.flush()
    (kept,) = _metrics(sentry_envelopes)
    assert kept["name"] == "keep" and kept["attributes"]["seen"]["value"] == 1
    assert ("before_send", "trace_metric", 1) in sentry_lost


def test_enable_metrics_false_records_nothing(sentry_init: Any, sentry_envelopes: Any) -> None:
    sentry_init(enable_metrics=False)
    metrics.count("x", 1)
    sentry_lite.flush()
    assert _metrics(sentry_envelopes) == []


def test_nothing_is_recorded_before_init_and_bad_values_never_raise(
    sentry_init: Any, sentry_envelopes: Any
) -> None:
    metrics.count("before.init", 1)
    sentry_init()
    metrics.count("bad", "not a number")  # type: ignore[arg-type]
    metrics.count("good", 1)
    sentry_lite.flush()
    assert [m["name"] for m in _metrics(sentry_envelopes)] == ["good"]
