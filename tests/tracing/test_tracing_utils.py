"""``sentry_lite.tracing_utils``: the helpers integrations written for ``sentry_sdk`` call,
checked against real sqlite3 queries and real events."""

from __future__ import annotations

import sqlite3
from typing import Any

import sentry_lite
from sentry_lite.testing import assert_valid_event
from sentry_lite.tracing import NoOpSpan, Transaction
from sentry_lite.tracing_utils import (
    Baggage,
    EnvironHeaders,
    PropagationContext,
    add_http_breadcrumb,
    add_query_source,
    add_sentry_baggage_to_headers,
    extract_sentrytrace_data,
    get_current_span,
    has_tracing_enabled,
    is_sentry_url,
    maybe_create_breadcrumbs_from_span,
    normalize_incoming_data,
    propagate_trace_headers,
    record_sql_queries,
    should_propagate_trace,
)

DSN = "https://pk@o12.ingest.sentry.io/5"
TRACE = "771a43a4192642f0b136d5159a501700"
PARENT = "b0e6f15b45c36b12"


def _run(cursor: sqlite3.Cursor, sql: str, params: Any, **kwargs: Any) -> Any:
    with record_sql_queries(cursor, sql, params, "qmark", False, span_origin="auto.db.test",
                            **kwargs) as span:
        cursor.execute(sql, params)
    return span


def test_record_sql_queries_makes_a_db_span_and_a_query_breadcrumb(
    sentry_init: Any, sentry_transactions: list[Any], sentry_events: list[Any]
) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=1.0)
    connection = sqlite3.connect(":memory:")
    cursor = connection.cursor()
    with sentry_lite.start_transaction(name="report"):
        _run(cursor, "CREATE TABLE t (x INTEGER)", ())
        span = _run(cursor, "INSERT INTO t VALUES (?)", (7,))
        assert cursor.execute("SELECT x FROM t").fetchall() == [(7,)]
        sentry_lite.capture_message("after the queries")
    (transaction,) = sentry_transactions
    assert_valid_event(transaction)
    spans = transaction["spans"]
    assert [(s["op"], s["description"], s["origin"]) for s in spans] == [
        ("db", "CREATE TABLE t (x INTEGER)", "auto.db.test"),
        ("db", "INSERT INTO t VALUES (?)", "auto.db.test"),
    ]
    assert spans[1]["span_id"] == span.span_id
    assert "data" not in spans[1] or "db.params" not in spans[1]["data"]  # not by default
    crumbs = sentry_events[0]["breadcrumbs"]["values"]
    assert [(c["category"], c["message"]) for c in crumbs] == [
        ("query", "CREATE TABLE t (x INTEGER)"),
        ("query", "INSERT INTO t VALUES (?)"),
    ]


def test_record_sql_queries_keeps_params_when_asked(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=1.0, _experiments={"record_sql_params": True})
    cursor = sqlite3.connect(":memory:").cursor()
    with (
        sentry_lite.start_transaction(name="report"),
        record_sql_queries(cursor, "SELECT ?", [1], "pyformat", True,
                           span_op_override_value="db.sql.query") as span,
    ):
        cursor.execute("SELECT ?", [1])
    assert span.op == "db.sql.query"
    data = sentry_transactions[0]["spans"][0]["data"]
    assert data["db.params"] == [1]
    assert data["db.paramstyle"] == "format"
    assert data["db.executemany"] is True


def test_add_query_source_points_at_the_calling_code(sentry_init: Any) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=1.0, db_query_source_threshold_ms=0)
    cursor = sqlite3.connect(":memory:").cursor()
    with sentry_lite.start_transaction(name="report"):
        span = _run(cursor, "SELECT 1", ())
        add_query_source(span)
    assert span.data["code.function"] == "test_add_query_source_points_at_the_calling_code"
    assert span.data["code.namespace"] == __name__
    assert span.data["code.filepath"].endswith("test_tracing_utils.py")
    assert isinstance(span.data["code.lineno"], int)


def test_add_query_source_skips_fast_queries_and_unfinished_spans(sentry_init: Any) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=1.0, db_query_source_threshold_ms=60_000)
    cursor = sqlite3.connect(":memory:").cursor()
    with sentry_lite.start_transaction(name="report"):
        fast = _run(cursor, "SELECT 1", ())
        add_query_source(fast)
        with sentry_lite.start_span(op="db") as running:
            add_query_source(running)
    assert "code.function" not in fast.data
    assert "code.function" not in running.data


def test_add_http_breadcrumb_levels(sentry_init: Any, sentry_events: list[Any]) -> None:
    sentry_init(dsn=DSN)
    add_http_breadcrumb(200, {"url": "http://a/ok"})
    add_http_breadcrumb(404, {"url": "http://a/missing"})
    add_http_breadcrumb(503, {"url": "http://a/down"})
    sentry_lite.capture_message("x")
    crumbs = sentry_events[0]["breadcrumbs"]["values"]
    assert [(c["type"], c["category"], c.get("level", "info")) for c in crumbs] == [
        ("http", "httplib", "info"), ("http", "httplib", "warning"), ("http", "httplib", "error")
    ]


def test_baggage_parses_serializes_and_strips() -> None:
    incoming = "other=1,sentry-trace_id=abc,sentry-release=app%401, vendor=x;p=1"
    baggage = Baggage.from_incoming_header(incoming)
    assert baggage.sentry_items == {"trace_id": "abc", "release": "app@1"}
    assert baggage.third_party_items == "other=1,vendor=x;p=1"
    assert baggage.mutable is False  # Sentry members came in: frozen
    assert baggage.dynamic_sampling_context() == {"trace_id": "abc", "release": "app@1"}
    assert baggage.serialize() == "sentry-trace_id=abc,sentry-release=app@1"
    assert baggage.serialize(include_third_party=True).endswith(",other=1,vendor=x;p=1")
    assert Baggage.strip_sentry_baggage(incoming) == "other=1, vendor=x;p=1"
    assert Baggage.from_incoming_header("other=1").mutable is True
    rand = Baggage.from_incoming_header(None, _sample_rand="0.5")
    assert (rand.sentry_items, rand.mutable, rand._sample_rand()) == ({"sample_rand": "0.5"},
                                                                    False, 0.5)


def test_baggage_of_a_transaction_and_of_the_options(sentry_init: Any) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=1.0, release="r1", environment="prod")
    with sentry_lite.start_transaction(name="job") as tx:
        baggage = Baggage.populate_from_transaction(tx)
        assert tx.get_baggage().sentry_items == baggage.sentry_items
        assert tx.to_baggage() is not None
    items = baggage.sentry_items
    assert (items["trace_id"], items["release"], items["environment"], items["transaction"],
            items["public_key"], items["sampled"]) == (tx.trace_id, "r1", "prod", "job", "pk",
                                                       "true")
    scope = sentry_lite.get_isolation_scope()
    from_options = Baggage.from_options(scope)
    assert from_options is not None
    context = scope.propagation_context
    again = Baggage.from_options(scope)  # read after the line above made the context
    assert again is not None and again.sentry_items["trace_id"] == context.trace_id


def test_sentry_trace_parsing_and_header_helpers() -> None:
    assert extract_sentrytrace_data(f"{TRACE}-{PARENT}-1") == {
        "trace_id": TRACE, "parent_span_id": PARENT, "parent_sampled": True}
    assert extract_sentrytrace_data(f" , {TRACE}-{PARENT}-0") == {
        "trace_id": TRACE, "parent_span_id": PARENT, "parent_sampled": False}
    assert extract_sentrytrace_data(TRACE)["parent_span_id"] is None  # type: ignore[index]
    assert extract_sentrytrace_data("garbage") is None
    assert extract_sentrytrace_data(None) is None
    environ = {"HTTP_SENTRY_TRACE": "x", "HTTP_BAGGAGE": "y", "PATH_INFO": "/", 1: "skip"}
    headers = EnvironHeaders(environ)  # type: ignore[arg-type]
    assert headers["sentry-trace"] == "x"
    assert sorted(headers) == ["BAGGAGE", "SENTRY_TRACE"] and len(headers) == 2
    assert normalize_incoming_data({"HTTP_SENTRY_TRACE": "a", "Baggage": "b"}) == {
        "sentry-trace": "a", "baggage": "b"}
    out = {"baggage": "other=1,sentry-old=2"}
    add_sentry_baggage_to_headers(out, "sentry-trace_id=abc")
    assert out["baggage"] == "other=1,sentry-trace_id=abc"


def test_continue_from_headers_environ_and_traceparent(sentry_init: Any) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=1.0)
    headers = {"sentry-trace": f"{TRACE}-{PARENT}-1", "baggage": "sentry-trace_id=" + TRACE}
    tx = Transaction.continue_from_headers(headers, name="incoming", op="http.server")
    assert (tx.trace_id, tx.parent_span_id, tx.parent_sampled) == (TRACE, PARENT, True)
    assert (tx.name, tx.op, tx.same_process_as_parent) == ("incoming", "http.server", False)
    assert tx.get_dynamic_sampling_context() == {"trace_id": TRACE}  # frozen incoming DSC
    environ = {"HTTP_SENTRY_TRACE": f"{TRACE}-{PARENT}-0"}
    from_environ = Transaction.continue_from_environ(environ, name="wsgi")
    assert (from_environ.trace_id, from_environ.parent_sampled) == (TRACE, False)
    assert Transaction.from_traceparent(None) is None
    from_parent = Transaction.from_traceparent(f"{TRACE}-{PARENT}", name="p")
    assert from_parent is not None and from_parent.parent_span_id == PARENT


def test_propagation_context_from_incoming_data_and_headers(sentry_init: Any) -> None:
    sentry_init(dsn=DSN, release="r1")
    context = PropagationContext.from_incoming_data(
        {"HTTP_SENTRY_TRACE": f"{TRACE}-{PARENT}-1", "HTTP_BAGGAGE": "sentry-trace_id=" + TRACE}
    )
    assert (context.trace_id, context.parent_span_id, context.parent_sampled) == (
        TRACE, PARENT, True)
    headers = dict(context.iter_headers())
    assert headers["sentry-trace"].startswith(f"{TRACE}-") and headers["sentry-trace"][-2:] == "-1"
    assert headers["baggage"].startswith("sentry-trace_id=" + TRACE)
    assert context.baggage is not None and context.baggage.mutable is False
    fresh = PropagationContext.from_incoming_data({})
    assert fresh.trace_id != TRACE and fresh.baggage is None
    assert "sentry-release=r1" in fresh.get_baggage().serialize()
    fresh.update({"parent_sampled": False, "unknown": 1})
    assert fresh.parent_sampled is False


def test_tracing_switches_and_propagation_targets(sentry_init: Any) -> None:
    assert has_tracing_enabled({"traces_sample_rate": 0.0}) is True
    assert has_tracing_enabled({"traces_sampler": print, "enable_tracing": False}) is False
    assert has_tracing_enabled({}) is False and has_tracing_enabled(None) is False
    sentry_init(dsn=DSN, traces_sample_rate=1.0, trace_propagation_targets=["api.example"])
    client = sentry_lite.get_client()
    assert has_tracing_enabled(client.options) is True
    assert should_propagate_trace(client, "https://api.example/v1") is True
    assert should_propagate_trace(client, "https://other.example/") is False
    assert is_sentry_url(client, "https://o12.ingest.sentry.io/api/5/envelope/") is True
    assert should_propagate_trace(client, "https://o12.ingest.sentry.io/api.example") is False


class _Request:
    def __init__(self, url: str) -> None:
        self.url = url
        self.headers: dict[str, str] = {"baggage": "vendor=1"}


def test_propagate_trace_headers_onto_a_request(sentry_init: Any) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=1.0)
    client = sentry_lite.get_client()
    with sentry_lite.start_transaction(name="job") as tx:
        request = _Request("https://api.example/x")
        propagate_trace_headers(client, request)
        assert get_current_span() is tx and tx is not None
    assert request.headers["sentry-trace"] == tx.to_traceparent()
    assert request.headers["baggage"].startswith("vendor=1,sentry-trace_id=")


def test_noop_span_accepts_everything_and_records_nothing() -> None:
    span = NoOpSpan()
    child = span.start_child(op="db", name="q")
    assert isinstance(child, NoOpSpan)
    for target in (span, child):
        target.set_tag("a", 1)
        target.set_data("b", 2)
        target.set_status("ok")
        target.set_http_status(500)
        target.set_measurement("m", 1.0)
        assert target.finish() is None
    assert (span.to_traceparent(), span.to_baggage(), list(span.iter_headers())) == ("", None, [])
    assert (span.to_json(), span.get_trace_context(), span.containing_transaction) == ({}, {},
                                                                                       None)


def test_breadcrumbs_from_finished_spans(sentry_init: Any, sentry_events: list[Any]) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=1.0)
    scope = sentry_lite.get_isolation_scope()
    with sentry_lite.start_transaction(name="job") as tx:
        http = tx.start_child(op="http.client", name="GET https://a/x")
        http.set_http_status(502)
        http.finish()
        redis = tx.start_child(op="db.redis", name="GET key")
        redis.set_tag("redis.command", "GET")
        redis.finish()
        other = tx.start_child(op="function", name="ignored")
        other.finish()
        for span in (http, redis, other):
            maybe_create_breadcrumbs_from_span(scope, span)
    sentry_lite.capture_message("after")
    crumbs = sentry_events[0]["breadcrumbs"]["values"]
    assert [(c["type"], c["category"], c.get("level")) for c in crumbs] == [
        ("http", "httplib", "error"), ("redis", "redis", None)]
    assert crumbs[0]["data"]["http.response.status_code"] == 502
    assert crumbs[1]["message"] == "GET key"
