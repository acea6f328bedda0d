"""Ariadne: operations run by Ariadne's own executor (``graphql_sync`` / ``graphql``) and
its ASGI app."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

ariadne = pytest.importorskip("ariadne")

from ariadne import QueryType, graphql, graphql_sync, make_executable_schema  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.ariadne import AriadneIntegration  # noqa: E402

type_defs = """
    type Query { hello: String, broken: String }
"""
query = QueryType()


@query.field("hello")
def resolve_hello(*_: Any) -> str:
    return "hello"


@query.field("broken")
def resolve_broken(*_: Any) -> str:
    raise ValueError("the resolver failed")


schema = make_executable_schema(type_defs, query)
FAILING = {"query": "query Broken { hello broken }", "operationName": "Broken"}


def test_an_error_is_an_event_and_the_operation_a_span(
    sentry_init, sentry_events, sentry_transactions
) -> None:
    sentry_init(integrations=[AriadneIntegration()], traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="POST /graphql", op="http.server"):
        success, result = graphql_sync(schema, FAILING)
    assert success is True
    assert result["errors"][0]["message"] == "the resolver failed"
    (event,) = sentry_events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["mechanism"] == {"type": "ariadne", "handled": False}
    assert exception["stacktrace"]["frames"][-1]["function"] == "resolve_broken"
    assert event["contexts"]["graphql"] == {"operation_name": "Broken",
                                            "operation_type": "query"}
    assert event["request"] == {"api_target": "graphql"}
    (tx,) = sentry_transactions
    (span,) = tx["spans"]
    assert (span["op"], span["description"], span["status"]) == (
        "graphql.query", "Broken", "internal_error")


def test_syntax_errors_and_the_query_with_pii(sentry_init, sentry_events) -> None:
    sentry_init(integrations=[AriadneIntegration()], send_default_pii=True)
    bad = {"query": "query Oops { hello", "operationName": "Oops"}
    success, _ = asyncio.run(graphql(schema, bad))
    assert success is False
    (event,) = sentry_events
    assert event["exception"]["values"][-1]["type"] == "GraphQLSyntaxError"
    assert event["request"]["data"] == {"query": bad["query"], "operationName": "Oops"}


def test_twenty_concurrent_requests_see_only_their_own_operations(
    sentry_init, sentry_events
) -> None:
    sentry_init(integrations=[AriadneIntegration()])

    def request(n: int) -> None:
        with sentry_lite.isolation_scope():  # what a web framework does per request
            sentry_lite.set_tag("n", n)
            graphql_sync(schema, {**FAILING, "query": FAILING["query"].replace(
                "Broken", f"Broken{n}"), "operationName": f"Broken{n}"})

    threads = [threading.Thread(target=request, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sentry_events) == 20
    for event in sentry_events:
        n = event["tags"]["n"]
        assert event["contexts"]["graphql"]["operation_name"] == f"Broken{n}"
        crumbs = [c["data"]["operation_name"] for c in event["breadcrumbs"]["values"]]
        assert crumbs == [f"Broken{n}"]  # Ariadne's error log is not a breadcrumb either


def test_without_the_integration_errors_stay_in_the_result(sentry_init, sentry_events):
    sentry_init(integrations=[AriadneIntegration()])
    sentry_init(default_integrations=False)
    assert graphql_sync(schema, FAILING)[1]["errors"]
    assert sentry_events == []


def test_ariadne_imported_after_init_is_picked_up(python) -> None:
    result = python(
        """
        import sys, sentry_lite
        from sentry_lite.testing import Capturing
        with Capturing() as capture:
            sentry_lite.init()
            assert "ariadne" not in sys.modules
            from ariadne import QueryType, graphql_sync, make_executable_schema
            query = QueryType()

            @query.field("boom")
            def boom(*_):
                raise KeyError("late")

            schema = make_executable_schema("type Query { boom: String }", query)
            graphql_sync(schema, {"query": "{ boom }"})
            print([e["exception"]["values"][-1]["mechanism"]["type"] for e in capture.events])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['ariadne']"]
