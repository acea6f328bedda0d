"""Spans and transactions: nesting, payloads, statuses, limits, hooks and what gets counted."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import sentry_lite
from sentry_lite.envelope import Envelope
from sentry_lite.testing import assert_valid_event
from sentry_lite.tracing import SPANSTATUS, Span, Transaction, trace
from sentry_lite.tracing._span import MAX_SPANS
from sentry_lite.tracing._status import http_status_to_span_status

DSN = "https://pk@o12.ingest.sentry.io/5"


def _envelope_of(envelopes: list[Envelope], event_id: str) -> Envelope:
    return next(e for e in envelopes if e.headers.get("event_id") == event_id)


def test_nested_spans_and_an_error_in_the_innermost(
    sentry_init: Any, sentry_envelopes: list[Envelope], sentry_events: list[Any],
    sentry_transactions: list[Any],
) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=1.0, release="app@1", environment="test")
    with (
        sentry_lite.start_transaction(name="checkout", op="task") as tx,
        sentry_lite.start_span(op="db", name="load cart") as outer,
        sentry_lite.start_span(op="http", name="price") as middle,
        sentry_lite.start_span(op="calc", name="tax") as inner,
    ):
        try:
            raise ValueError("bad tax")
        except ValueError:
            sentry_lite.capture_exception()
    error, transaction = sentry_events[0], sentry_transactions[0]
    assert_valid_event(error)
    assert_valid_event(transaction)

    trace_id = tx.trace_id
    assert error["contexts"]["trace"]["trace_id"] == trace_id
    assert error["contexts"]["trace"]["span_id"] == inner.span_id
    assert error["contexts"]["trace"]["parent_span_id"] == middle.span_id
    assert error["transaction"] == "checkout"
    assert transaction["contexts"]["trace"]["trace_id"] == trace_id
    assert transaction["contexts"]["trace"]["span_id"] == tx.span_id
    assert transaction["transaction"] == "checkout"
    assert transaction["transaction_info"] == {"source": "custom"}

    spans = {s["span_id"]: s for s in transaction["spans"]}
    assert spans.keys() == {outer.span_id, middle.span_id, inner.span_id}
    assert spans[outer.span_id]["parent_span_id"] == tx.span_id
    assert spans[middle.span_id]["parent_span_id"] == outer.span_id
    assert spans[inner.span_id]["parent_span_id"] == middle.span_id
    assert {s["trace_id"] for s in spans.values()} == {trace_id}
    for span in spans.values():
        assert span["start_timestamp"] <= span["timestamp"]

    expected_dsc = {
        "trace_id": trace_id,
        "public_key": "pk",
        "org_id": "12",
        "release": "app@1",
        "environment": "test",
        "transaction": "checkout",
        "sample_rate": "1.0",
        "sampled": "true",
        "sample_rand": f"{tx.get_sample_rand():.6f}",
    }
    assert _envelope_of(sentry_envelopes, error["event_id"]).headers["trace"] == expected_dsc
    assert _envelope_of(sentry_envelopes, transaction["event_id"]).headers["trace"] == (
        expected_dsc
    )


def test_the_active_span_is_restored_after_each_block(sentry_init: Any) -> None:
    sentry_init(traces_sample_rate=1.0)
    assert sentry_lite.get_current_span() is None
    with sentry_lite.start_transaction(name="t") as tx:
        assert sentry_lite.get_current_span() is tx
        assert sentry_lite.get_current_scope().transaction is tx
        with pytest.raises(KeyError), sentry_lite.start_span(op="x") as span:
            assert sentry_lite.get_current_span() is span
            assert span.containing_transaction is tx
            raise KeyError("boom")
        assert span.status == SPANSTATUS.INTERNAL_ERROR
        assert sentry_lite.get_current_span() is tx
    assert sentry_lite.get_current_span() is None


def test_manual_spans_without_with(sentry_init: Any, sentry_transactions: list[Any]) -> None:
    sentry_init(traces_sample_rate=1.0)
    tx = sentry_lite.start_transaction(name="manual", op="job")
    child = tx.start_child(op="step", description="one")
    grandchild = child.start_child(op="sub")
    grandchild.finish()
    child.finish(end_timestamp=child.start_timestamp + timedelta(seconds=1))
    child.finish()  # a second finish changes nothing
    unfinished = tx.start_child(op="never finished")
    assert tx.finish() is not None
    assert tx.finish() is None
    unfinished.finish()  # after the transaction: not part of it
    (event,) = sentry_transactions
    assert [s["span_id"] for s in event["spans"]] == [grandchild.span_id, child.span_id]
    # timestamps are datetimes, as in the official SDK; epoch seconds on the wire
    assert event["spans"][1]["timestamp"] == child.start_timestamp.timestamp() + 1


def test_span_data_tags_status_and_measurements_in_the_payload(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="t", op="http.server") as tx:
        tx.set_tag("route", "/a")
        tx.set_data("thread", "main")
        tx.set_context("app", {"build": 7})
        tx.set_http_status(503)
        sentry_lite.set_measurement("memory", 42, "byte")
        with tx.start_child(op="db", name="select") as span:
            span.set_tag("rows", 3)
            span.set_data("query", {"table": "users", "obj": object()})
            span.set_http_status(404)
            span.set_measurement("rows", 3)
    (event,) = sentry_transactions
    assert_valid_event(event)
    assert event["tags"]["route"] == "/a"
    assert event["tags"]["http.status_code"] == "503"
    assert event["contexts"]["trace"]["status"] == "unavailable"
    assert event["contexts"]["trace"]["data"]["thread"] == "main"
    assert event["contexts"]["app"] == {"build": 7}
    assert event["measurements"] == {"memory": {"value": 42, "unit": "byte"}}
    (span_json,) = event["spans"]
    assert span_json["tags"] == {"rows": "3", "http.status_code": "404", "status": "not_found"}
    assert span_json["status"] == "not_found"
    assert span_json["data"]["http.response.status_code"] == 404
    assert span_json["data"]["query"]["table"] == "users"
    assert isinstance(span_json["data"]["query"]["obj"], str)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (200, "ok"), (302, "ok"), (400, "invalid_argument"), (401, "unauthenticated"),
        (403, "permission_denied"), (404, "not_found"), (409, "already_exists"),
        (413, "failed_precondition"), (418, "invalid_argument"), (429, "resource_exhausted"),
        (499, "cancelled"), (500, "internal_error"), (501, "unimplemented"),
        (502, "internal_error"), (503, "unavailable"), (504, "deadline_exceeded"),
        (700, "unknown_error"),
    ],
)
def test_http_status_mapping(code: int, status: str) -> None:
    assert http_status_to_span_status(code) == status


def test_children_beyond_the_limit_are_counted(
    sentry_init: Any, sentry_transactions: list[Any], sentry_lost: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="big"):
        for _ in range(MAX_SPANS + 5):
            with sentry_lite.start_span(op="x"):
                pass
    assert len(sentry_transactions[0]["spans"]) == MAX_SPANS
    assert ("buffer_overflow", "span", 5) in sentry_lost


def test_a_transaction_s_http_status_is_also_its_response_context(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="GET /missing") as tx:
        with sentry_lite.start_span(op="db") as span:
            span.set_http_status(200)  # a plain span: no context
        tx.set_http_status(404)
    (sent,) = sentry_transactions
    assert sent["contexts"]["response"] == {"status_code": 404}
    assert sent["contexts"]["trace"]["status"] == "not_found"
    assert sent["tags"]["http.status_code"] == "404"


def test_max_spans_from_experiments_sets_the_limit(
    sentry_init: Any, sentry_transactions: list[Any], sentry_lost: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0, _experiments={"max_spans": 3})
    with sentry_lite.start_transaction(name="small"):
        for _ in range(5):
            with sentry_lite.start_span(op="x"):
                pass
    assert len(sentry_transactions[0]["spans"]) == 3
    assert ("buffer_overflow", "span", 2) in sentry_lost


def test_before_send_transaction_edits_or_drops(
    sentry_init: Any, sentry_transactions: list[Any], sentry_lost: list[Any]
) -> None:
    seen: list[Any] = []

    def hook(event: Any, hint: Any) -> Any:
        seen.append(event["type"])
        if event["transaction"] == "drop me":
            return None
        event["tags"] = {"edited": "yes"}
        return event

    sentry_init(traces_sample_rate=1.0, before_send=lambda e, h: None,
                before_send_transaction=hook)
    with sentry_lite.start_transaction(name="keep me"):
        pass
    with sentry_lite.start_transaction(name="drop me"), sentry_lite.start_span(op="a"):
        pass
    assert seen == ["transaction", "transaction"]
    assert [t["transaction"] for t in sentry_transactions] == ["keep me"]
    assert sentry_transactions[0]["tags"] == {"edited": "yes"}
    assert ("before_send", "transaction", 1) in sentry_lost
    assert ("before_send", "span", 2) in sentry_lost


def test_a_raising_before_send_transaction_never_breaks_the_host(
    sentry_init: Any, sentry_transactions: list[Any], sentry_lost: list[Any]
) -> None:
    def hook(event: Any, hint: Any) -> Any:
        raise RuntimeError("hook bug")

    sentry_init(traces_sample_rate=1.0, before_send_transaction=hook)
    with sentry_lite.start_transaction(name="t"):
        pass
    assert sentry_transactions == []
    assert ("before_send", "transaction", 1) in sentry_lost


def test_unsampled_transactions_are_counted_not_sent(
    sentry_init: Any, sentry_envelopes: list[Any], sentry_lost: list[Any]
) -> None:
    sentry_init(traces_sample_rate=0.0)
    with sentry_lite.start_transaction(name="t") as tx, sentry_lite.start_span(op="a") as span:
        assert span.sampled is False
        assert sentry_lite.get_traceparent() == f"{tx.trace_id}-{span.span_id}-0"
    assert tx.sampled is False
    assert sentry_envelopes == []
    assert sorted(sentry_lost) == [("sample_rate", "span", 1), ("sample_rate", "transaction", 1)]


def test_without_tracing_nothing_is_sent_or_counted(
    sentry_init: Any, sentry_envelopes: list[Any], sentry_lost: list[Any]
) -> None:
    sentry_init()
    with sentry_lite.start_transaction(name="t") as tx:
        assert tx.sampled is False
        # Without tracing, the transaction stays in the scope's trace.
        context = sentry_lite.get_current_scope().get_active_propagation_context()
        assert tx.trace_id == context.trace_id
        assert sentry_lite.get_traceparent() == f"{context.trace_id}-{context.span_id}"
    assert sentry_envelopes == []
    assert sentry_lost == []


def test_traces_sampler_sees_the_sampling_context(sentry_init: Any) -> None:
    contexts: list[dict[str, Any]] = []

    def sampler(context: dict[str, Any]) -> float:
        contexts.append(context)
        return 1.0 if context["transaction_context"]["name"] == "yes" else 0.0

    sentry_init(traces_sampler=sampler)
    yes = sentry_lite.start_transaction(name="yes", op="task", custom_sampling_context={"k": 1})
    no = sentry_lite.start_transaction(name="no")
    assert (yes.sampled, yes.sample_rate, no.sampled) == (True, 1.0, False)
    first = contexts[0]
    assert first["k"] == 1
    assert first["parent_sampled"] is None
    assert first["transaction_context"]["op"] == "task"
    assert first["transaction_context"]["trace_id"] == yes.trace_id


def test_a_raising_traces_sampler_means_not_sampled(sentry_init: Any) -> None:
    def sampler(context: dict[str, Any]) -> float:
        raise RuntimeError("sampler bug")

    sentry_init(traces_sampler=sampler)
    assert sentry_lite.start_transaction(name="t").sampled is False


def test_an_explicit_decision_wins(sentry_init: Any) -> None:
    sentry_init(traces_sample_rate=0.0)
    assert sentry_lite.start_transaction(name="t", sampled=True).sampled is True
    assert sentry_lite.start_transaction(Transaction(name="t", sampled=True)).sampled is True


def test_set_transaction_name_renames_the_active_transaction(
    sentry_init: Any, sentry_transactions: list[Any], sentry_events: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="GET /users/1", source="url") as tx:
        sentry_lite.set_transaction_name("GET /users/:id", source="route")
        assert tx.name == "GET /users/:id"
        assert tx.source == "route"
        sentry_lite.capture_message("inside")
    assert sentry_events[0]["transaction"] == "GET /users/:id"
    assert sentry_transactions[0]["transaction"] == "GET /users/:id"
    assert sentry_transactions[0]["transaction_info"] == {"source": "route"}


def test_a_rename_in_a_nested_span_reaches_later_errors(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="before") as tx:
        with sentry_lite.start_span(op="routing"):
            sentry_lite.set_transaction_name("after", source="route")
        sentry_lite.capture_message("later")
        tx.name = "renamed directly"
        sentry_lite.capture_message("latest")
    assert [e["transaction"] for e in sentry_events] == ["after", "renamed directly"]
    assert sentry_events[0]["transaction_info"] == {"source": "route"}


def test_a_transaction_set_as_a_scope_s_span_names_that_scope_s_events(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    scope = sentry_lite.Scope()
    scope.span = Transaction(name="by hand", source="task")  # the official setter's rule
    scope.span = Span(op="child")  # a plain span leaves the name alone
    with sentry_lite.use_scope(scope):
        sentry_lite.capture_message("set by hand")
    assert sentry_events[0]["transaction"] == "by hand"
    assert sentry_events[0]["transaction_info"] == {"source": "task"}


def test_a_transaction_entered_under_use_scope_names_that_scope_when_reentered(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    # pytest-sentry's hook wrappers: a generator starts the transaction inside one
    # use_scope(scope) block and captures inside another one, on the same scope object.
    sentry_init(traces_sample_rate=1.0)
    scope = sentry_lite.Scope()

    def hook() -> Any:
        with sentry_lite.start_transaction(name="pytest.runtest.protocol t"):
            yield
            sentry_lite.capture_message("in the report hook")

    with sentry_lite.use_scope(scope):
        steps = hook()
        next(steps)
    with sentry_lite.use_scope(scope), pytest.raises(StopIteration):
        next(steps)
    assert sentry_events[0]["transaction"] == "pytest.runtest.protocol t"


def test_ignored_status_codes_are_not_sent(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0, trace_ignore_status_codes=frozenset({404}))
    with sentry_lite.start_transaction(name="missing") as tx:
        tx.set_http_status(404)
    with sentry_lite.start_transaction(name="found") as tx:
        tx.set_http_status(200)
    assert [t["transaction"] for t in sentry_transactions] == ["found"]


def test_spans_outside_a_transaction_are_never_sent(
    sentry_init: Any, sentry_envelopes: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_span(op="alone") as span:
        assert span.containing_transaction is None
        assert span.trace_id == (
            sentry_lite.get_current_scope().get_active_propagation_context().trace_id
        )
    assert sentry_envelopes == []


def test_span_constructor_accepts_the_official_keywords() -> None:
    span = Span(op="a", name="n", origin="auto", sampled=True, scope=None, hub=None,
                trace_id="a" * 32, span_id="b" * 16, start_timestamp=10.0)
    assert (span.description, span.name, span.trace_id, span.span_id) == ("n", "n", "a" * 32,
                                                                          "b" * 16)
    assert span.start_timestamp == datetime.fromtimestamp(10.0, timezone.utc)
    assert span.timestamp is None
    assert span.to_traceparent() == f"{'a' * 32}-{'b' * 16}-1"
    assert span.to_baggage() is None
    # as in the official SDK: a span outside any transaction gives no headers
    assert list(span.iter_headers()) == []


def test_trace_decorator_on_sync_and_async_functions(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)

    @trace
    def plain(x: int) -> int:
        return x + 1

    @sentry_lite.trace(op="compute", name="double it")
    async def doubled(x: int) -> int:
        await asyncio.sleep(0)
        return x * 2

    assert plain(1) == 2  # no active span: just runs
    with sentry_lite.start_transaction(name="t"):
        assert plain(1) == 2
        assert asyncio.run(doubled(2)) == 4
    assert plain.__name__ == "plain"
    spans = sentry_transactions[0]["spans"]
    assert [(s["op"], s["description"]) for s in spans] == [
        ("function", f"{__name__}.test_trace_decorator_on_sync_and_async_functions.<locals>.plain"),
        ("compute", "double it"),
    ]


def test_transaction_json_is_valid_for_relay(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="", op=None), sentry_lite.start_span():
        pass
    assert_valid_event(sentry_transactions[0])
    assert sentry_transactions[0]["transaction"] == "<unlabeled transaction>"


def test_update_current_span(sentry_init: Any, sentry_transactions: list[Any]) -> None:
    sentry_init(traces_sample_rate=1.0)
    sentry_lite.update_current_span(op="nothing active")  # no effect, no error
    with sentry_lite.start_transaction(name="t"), sentry_lite.start_span(op="a"):
        sentry_lite.update_current_span(op="db.query", name="SELECT 1",
                                        attributes={"rows": 1}, data={"db": "main"})
    (span,) = sentry_transactions[0]["spans"]
    assert (span["op"], span["description"]) == ("db.query", "SELECT 1")
    assert span["data"] == {"rows": 1, "db": "main"}


def test_a_span_s_status_is_also_its_status_tag(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="t"):
        with sentry_lite.start_span(op="http.client", name="fetch") as span:
            span.set_status("ok")
        with pytest.raises(ValueError), sentry_lite.start_span(op="db"):
            raise ValueError("failed")
        with sentry_lite.start_span(op="quiet"):
            pass
    ok, failed, quiet = sentry_transactions[0]["spans"]
    assert ok["tags"] == {"status": "ok"} and ok["status"] == "ok"
    assert failed["tags"] == {"status": "internal_error"}
    assert "tags" not in quiet


def test_update_current_span_on_a_transaction_keeps_its_name(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="t"):
        sentry_lite.update_current_span(op="updated", name="updated name")
    (tx,) = sentry_transactions
    assert tx["transaction"] == "t"  # as upstream: the name goes to the description
    assert tx["contexts"]["trace"]["op"] == "updated"
    assert tx["contexts"]["trace"]["description"] == "updated name"


def test_timestamps_as_datetimes_or_junk_never_raise(sentry_init: Any) -> None:
    sentry_init(traces_sample_rate=1.0)
    start = datetime(2030, 1, 1, tzinfo=timezone.utc)
    tx = sentry_lite.start_transaction(name="t", start_timestamp=start)
    assert tx.start_timestamp == start
    span = tx.start_child(op="a", start_timestamp="not a time")
    span.finish(end_timestamp=object())
    assert span.timestamp is not None
    assert tx.finish(end_timestamp=start.timestamp() + 2) is not None


def test_timestamps_are_aware_datetimes_as_in_the_official_sdk(sentry_init: Any) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="t") as tx, tx.start_child(op="a") as span:
        assert span.timestamp is None
    elapsed = span.timestamp - span.start_timestamp
    assert isinstance(elapsed, timedelta) and elapsed.total_seconds() >= 0
    assert span.start_timestamp.tzinfo is timezone.utc
    span.timestamp = datetime(2030, 1, 1, tzinfo=timezone.utc)  # settable, as upstream
    assert span.to_json()["timestamp"] == datetime(2030, 1, 1, tzinfo=timezone.utc).timestamp()


def test_spans_of_another_instrumenter_are_no_ops(
    sentry_init: Any, sentry_transactions: Any
) -> None:
    from sentry_lite.tracing import NoOpSpan

    sentry_init(traces_sample_rate=1.0, instrumenter="otel")
    with sentry_lite.start_transaction(name="made by otel") as tx:
        assert isinstance(tx, NoOpSpan)
        assert isinstance(sentry_lite.start_span(op="x"), NoOpSpan)
    with sentry_lite.start_transaction(name="ours", instrumenter="otel") as tx:
        assert not isinstance(tx, NoOpSpan)
    assert [t["transaction"] for t in sentry_transactions] == ["ours"]
