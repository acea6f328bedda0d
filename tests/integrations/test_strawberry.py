"""Strawberry: operations run by Strawberry's own executor (``Schema.execute_sync`` and
``execute``), on a schema built before ``init()``."""

from __future__ import annotations

import asyncio
import threading

import pytest

strawberry = pytest.importorskip("strawberry")

import sentry_lite  # noqa: E402
from sentry_lite.integrations.strawberry import StrawberryIntegration  # noqa: E402


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "hello"

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("the resolver failed")


@strawberry.type
class Mutation:
    @strawberry.mutation
    def rename(self, name: str) -> bool:
        return True


schema = strawberry.Schema(query=Query, mutation=Mutation)
FAILING = "query Broken { hello broken }"


def test_an_error_is_an_event_and_the_operation_a_span(
    sentry_init, sentry_events, sentry_transactions
) -> None:
    sentry_init(integrations=[StrawberryIntegration()], traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="POST /graphql", op="http.server"):
        result = schema.execute_sync(FAILING, operation_name="Broken")
        renamed = schema.execute_sync('mutation Rename { rename(name: "x") }')
    assert result.data is None or result.data.get("hello") == "hello"
    assert renamed.errors is None
    (event,) = sentry_events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["mechanism"] == {"type": "strawberry", "handled": False}
    assert exception["stacktrace"]["frames"][-1]["function"] == "broken"
    assert event["contexts"]["graphql"] == {"operation_name": "Broken",
                                            "operation_type": "query"}
    assert event["request"] == {"api_target": "graphql"}
    (tx,) = sentry_transactions
    spans = {s["op"]: s for s in tx["spans"]}
    assert (spans["graphql.query"]["description"], spans["graphql.query"]["status"]) == (
        "Broken", "internal_error")
    assert spans["graphql.mutation"]["data"]["graphql.operation.type"] == "mutation"


def test_async_execution_and_the_query_with_pii(
    sentry_init, sentry_events, sentry_transactions
) -> None:
    sentry_init(integrations=[StrawberryIntegration()], traces_sample_rate=1.0,
                send_default_pii=True)

    async def run() -> None:
        with sentry_lite.start_transaction(name="POST /graphql"):
            await schema.execute(FAILING, operation_name="Broken")

    asyncio.run(run())
    (event,) = sentry_events
    assert event["request"]["data"] == {"query": FAILING, "operationName": "Broken"}
    (span,) = sentry_transactions[0]["spans"]
    assert span["data"]["graphql.document"] == FAILING


def test_twenty_concurrent_requests_see_only_their_own_operations(
    sentry_init, sentry_events
) -> None:
    sentry_init(integrations=[StrawberryIntegration()])

    def request(n: int) -> None:
        with sentry_lite.isolation_scope():  # what a web framework does per request
            sentry_lite.set_tag("n", n)
            schema.execute_sync(FAILING.replace("Broken", f"Broken{n}"),
                                operation_name=f"Broken{n}")

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
        assert crumbs == [f"Broken{n}"]  # Strawberry's error log is not a breadcrumb


def test_without_the_integration_errors_stay_in_the_result(sentry_init, sentry_events):
    sentry_init(integrations=[StrawberryIntegration()])
    sentry_init(default_integrations=False)
    assert schema.execute_sync(FAILING).errors
    assert sentry_events == []


def test_strawberry_imported_after_init_is_picked_up(python) -> None:
    result = python(
        """
        import sys, sentry_lite
        from sentry_lite.testing import Capturing
        with Capturing() as capture:
            sentry_lite.init()
            assert "strawberry" not in sys.modules
            import strawberry

            @strawberry.type
            class Query:
                @strawberry.field
                def boom(self) -> str:
                    raise KeyError("late")

            strawberry.Schema(query=Query).execute_sync("{ boom }")
            print([e["exception"]["values"][-1]["mechanism"]["type"] for e in capture.events])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['strawberry']"]
