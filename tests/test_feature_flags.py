"""Feature flags: the per-scope buffer, error events, spans."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import sentry_lite
from sentry_lite._flags import FlagBuffer
from sentry_lite.feature_flags import add_feature_flag


def _flags(event: dict[str, Any]) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = event["contexts"]["flags"]["values"]
    return values


def test_the_101st_flag_evicts_the_oldest_and_an_update_moves_to_the_newest(
    sentry_init: Any, sentry_events: Any
) -> None:
    sentry_init()
    for n in range(101):
        add_feature_flag(f"flag-{n}", n % 2 == 0)
    add_feature_flag("flag-1", True)  # already there: moves to the newest end
    sentry_lite.capture_message("boom")
    values = _flags(sentry_events[0])
    assert len(values) == 100
    assert values[0] == {"flag": "flag-2", "result": True}  # flag-0 evicted
    assert values[-1] == {"flag": "flag-1", "result": True}
    assert "flag-0" not in {v["flag"] for v in values}


def test_the_max_flags_experiment_sets_the_buffer_size(
    sentry_init: Any, sentry_events: Any
) -> None:
    sentry_init(_experiments={"max_flags": 2})
    for n in range(3):
        add_feature_flag(f"flag-{n}", True)
    sentry_lite.capture_message("boom")
    assert [v["flag"] for v in _flags(sentry_events[0])] == ["flag-1", "flag-2"]


def test_a_forked_scope_carries_its_parents_flags_and_not_the_other_way(
    sentry_init: Any, sentry_events: Any
) -> None:
    sentry_init()
    add_feature_flag("parent", True)
    with sentry_lite.isolation_scope():
        add_feature_flag("child", False)
        sentry_lite.capture_exception(ValueError("in child"))
    sentry_lite.capture_message("in parent")
    child, parent = sentry_events
    assert _flags(child) == [{"flag": "parent", "result": True},
                             {"flag": "child", "result": False}]
    assert _flags(parent) == [{"flag": "parent", "result": True}]


def test_a_thread_with_its_own_scope_keeps_its_own_flags(sentry_init: Any,
                                                         sentry_events: Any) -> None:
    sentry_init()

    def work() -> None:
        with sentry_lite.isolation_scope():
            add_feature_flag("worker", True)
            sentry_lite.capture_message("from the thread")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    sentry_lite.capture_message("main")
    assert _flags(sentry_events[0]) == [{"flag": "worker", "result": True}]
    assert "flags" not in sentry_events[1].get("contexts", {})


def test_transactions_do_not_carry_flags_but_the_span_records_ten(
    sentry_init: Any, sentry_transactions: Any
) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="t"), sentry_lite.start_span(op="work") as span:
        for n in range(12):
            add_feature_flag(f"f{n}", True)
        add_feature_flag("f0", False)  # already on the span: updated
    (tx,) = sentry_transactions
    assert "flags" not in tx["contexts"]
    data = next(s for s in tx["spans"] if s["span_id"] == span.span_id)["data"]
    recorded = {k: v for k, v in data.items() if k.startswith("flag.evaluation.")}
    assert len(recorded) == 10 and recorded["flag.evaluation.f0"] is False
    assert "flag.evaluation.f11" not in recorded


def test_the_buffer_is_bounded_and_rejects_itself() -> None:
    buffer = FlagBuffer(2)
    buffer.set("a", True)
    copy = buffer.copy()
    buffer.set("b", False)
    buffer.set("c", True)
    assert buffer.get() == [{"flag": "b", "result": False}, {"flag": "c", "result": True}]
    assert copy.get() == [{"flag": "a", "result": True}]
    with pytest.raises(ValueError):
        buffer.set("self", buffer)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        FlagBuffer(0)


def test_openfeature_evaluations_from_a_real_client(sentry_init: Any, sentry_events: Any) -> None:
    from openfeature import api
    from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider

    from sentry_lite.integrations.openfeature import OpenFeatureIntegration

    api.set_provider(InMemoryProvider({
        "new-checkout": InMemoryFlag("on", {"on": True, "off": False}),
        "colour": InMemoryFlag("red", {"red": "red"}),
    }))
    try:
        sentry_init(integrations=[OpenFeatureIntegration()])
        client = api.get_client()
        assert client.get_boolean_value("new-checkout", False) is True
        assert client.get_string_value("colour", "blue") == "red"  # not a boolean: skipped
        assert client.get_boolean_value("missing-flag", True) is True  # error: the default
        sentry_lite.capture_message("after flags")
    finally:
        api.clear_hooks()
        api.clear_providers()
    assert _flags(sentry_events[0]) == [{"flag": "new-checkout", "result": True},
                                        {"flag": "missing-flag", "result": True}]
