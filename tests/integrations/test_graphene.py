"""Graphene: operations run by Graphene's own executor (``Schema.execute`` and
``execute_async``)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

graphene = pytest.importorskip("graphene")

import sentry_lite  # noqa: E402
from sentry_lite.integrations.graphene import GrapheneIntegration  # noqa: E402


class Query(graphene.ObjectType):  # type: ignore[misc,name-defined]  # graphene is Any here
    hello = graphene.String(name=graphene.String(default_value="world"))
    broken = graphene.String()

    def resolve_hello(self, info: Any, name: str) -> str:
        return f"hello {name}"

    def resolve_broken(self, info: Any) -> str:
        raise ValueError("the resolver failed")


class Rename(graphene.Mutation):  # type: ignore[misc,name-defined]  # graphene is Any here
    class Arguments:
        name = graphene.String()

    ok = graphene.Boolean()

    def mutate(self, info: Any, name: str) -> Rename:
        return Rename(ok=True)


class Mutation(graphene.ObjectType):  # type: ignore[misc,name-defined]  # graphene is Any here
    rename = Rename.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
FAILING = "query Broken { hello broken }"


def test_an_error_is_an_event_and_the_operation_a_span(
    sentry_init, sentry_events, sentry_transactions
) -> None:
    sentry_init(integrations=[GrapheneIntegration()], traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="POST /graphql", op="http.server"):
        result = schema.execute(FAILING, operation_name="Broken")
        ok = schema.execute('mutation Rename { rename(name: "x") { ok } }')
    assert result.data == {"hello": "hello world", "broken": None}
    assert ok.errors is None

    (event,) = sentry_events
    values = event["exception"]["values"]
    assert [v["type"] for v in values] == ["ValueError"]  # the resolver's, with its stack
    assert values[-1]["stacktrace"]["frames"][-1]["function"] == "resolve_broken"
    assert values[-1]["mechanism"] == {"type": "graphene", "handled": False}
    assert event["contexts"]["graphql"] == {"operation_name": "Broken",
                                            "operation_type": "query"}
    assert event["request"] == {"api_target": "graphql"}  # no query without PII
    crumb = event["breadcrumbs"]["values"][-1]
    assert crumb["category"] == "graphql.operation"
    assert crumb["data"] == {"operation_name": "Broken", "operation_type": "query"}

    (tx,) = sentry_transactions
    spans = {s["op"]: s for s in tx["spans"]}
    query = spans["graphql.query"]
    assert query["description"] == "Broken"
    assert query["status"] == "internal_error"
    assert query["data"]["graphql.operation.name"] == "Broken"
    assert "graphql.document" not in query["data"]
    mutation = spans["graphql.mutation"]
    assert mutation["description"] == "<unknown graphql operation>"
    assert mutation["data"]["graphql.operation.type"] == "mutation"


def test_with_pii_the_query_is_sent(sentry_init, sentry_events, sentry_transactions) -> None:
    sentry_init(integrations=[GrapheneIntegration()], traces_sample_rate=1.0,
                send_default_pii=True)
    with sentry_lite.start_transaction(name="POST /graphql"):
        asyncio.run(schema.execute_async(FAILING, operation_name="Broken"))
    (event,) = sentry_events
    assert event["request"]["data"] == {"query": FAILING, "operationName": "Broken"}
    (span,) = sentry_transactions[0]["spans"]
    assert span["data"]["graphql.document"] == FAILING


def test_twenty_concurrent_requests_see_only_their_own_operations(
    sentry_init, sentry_events
) -> None:
    sentry_init(integrations=[GrapheneIntegration()])

    def request(n: int) -> None:
        with sentry_lite.isolation_scope():  # what a web framework does per request
            sentry_lite.set_tag("n", n)
            schema.execute(FAILING, operation_name=f"Broken{n}")

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
        assert crumbs == [f"Broken{n}"]


def test_without_the_integration_errors_stay_in_the_result(sentry_init, sentry_events):
    sentry_init(integrations=[GrapheneIntegration()])
    sentry_init(default_integrations=False)
    assert schema.execute(FAILING).errors
    assert sentry_events == []


def test_graphene_imported_after_init_is_picked_up(python) -> None:
    result = python(
        """
        import sys, sentry_lite
        from sentry_lite.testing import Capturing
        with Capturing() as capture:
            sentry_lite.init()
            assert "graphene" not in sys.modules
            import graphene

            class Query(graphene.ObjectType):
                boom = graphene.String()

                def resolve_boom(self, info):
                    raise KeyError("late")

            graphene.Schema(query=Query).execute("{ boom }")
            print([e["exception"]["values"][-1]["mechanism"]["type"] for e in capture.events])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['graphene']"]
