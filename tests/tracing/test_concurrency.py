"""Spans across await, concurrent asyncio tasks and threads."""

from __future__ import annotations

import asyncio
import contextvars
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sentry_lite


def _spans_by_transaction(transactions: list[Any]) -> dict[str, list[Any]]:
    return {t["transaction"]: t["spans"] for t in transactions}


def test_a_hundred_concurrent_tasks_keep_their_own_spans(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    rng = random.Random(7)

    async def job(n: int) -> None:
        with sentry_lite.start_transaction(name=f"task-{n}"):
            for step in range(3):
                with sentry_lite.start_span(op="step", name=f"{n}.{step}") as span:
                    span.set_tag("task", n)
                    await asyncio.sleep(rng.random() / 1000)
                    with sentry_lite.start_span(op="inner", name=f"{n}.{step}.inner"):
                        await asyncio.sleep(0)

    async def main() -> None:
        # The tasks share the current scope object they inherit from here.
        shared = sentry_lite.get_current_scope()
        await asyncio.gather(*(job(n) for n in range(100)))
        assert shared.span is None

    asyncio.run(main())
    assert len(sentry_transactions) == 100
    for transaction in sentry_transactions:
        n = transaction["transaction"].split("-")[1]
        trace = transaction["contexts"]["trace"]
        spans = transaction["spans"]
        assert len(spans) == 6
        assert {s["trace_id"] for s in spans} == {trace["trace_id"]}
        assert all(s["description"].split(".")[0] == n for s in spans)
        ids = {s["span_id"] for s in spans} | {trace["span_id"]}
        assert all(s["parent_span_id"] in ids for s in spans)
        for span in spans:
            if span["op"] == "step":
                assert span["parent_span_id"] == trace["span_id"]
                assert span["tags"] == {"task": n}
    assert len({t["contexts"]["trace"]["trace_id"] for t in sentry_transactions}) == 100


def test_tasks_started_inside_a_span_nest_under_it(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)

    async def child(n: int) -> None:
        with sentry_lite.start_span(op="child", name=str(n)):
            await asyncio.sleep(0)

    async def main() -> None:
        with sentry_lite.start_transaction(name="fan-out"), \
                sentry_lite.start_span(op="parent") as parent:
            await asyncio.gather(*(child(n) for n in range(10)))
            assert sentry_lite.get_current_span() is parent

    asyncio.run(main())
    spans = sentry_transactions[0]["spans"]
    parent_id = next(s["span_id"] for s in spans if s["op"] == "parent")
    children = [s for s in spans if s["op"] == "child"]
    assert len(children) == 10
    assert {s["parent_span_id"] for s in children} == {parent_id}


def test_threads_started_with_the_parents_context_join_its_transaction(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0, default_integrations=False)
    seen: list[Any] = []

    def work(n: int) -> None:
        with sentry_lite.start_span(op="thread", name=str(n)):
            seen.append(sentry_lite.get_current_span())

    with sentry_lite.start_transaction(name="threads") as tx:
        threads = [
            threading.Thread(target=contextvars.copy_context().run, args=(work, n))
            for n in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # A thread with a context of its own has no active span.
        lone = threading.Thread(target=lambda: seen.append(sentry_lite.get_current_span()))
        lone.start()
        lone.join()
        assert sentry_lite.get_current_span() is tx
    assert seen[-1] is None
    spans = sentry_transactions[0]["spans"]
    assert sorted(s["description"] for s in spans) == [str(n) for n in range(8)]
    assert {s["parent_span_id"] for s in spans} == {tx.span_id}


def test_the_threading_integration_carries_the_active_span(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)  # default integrations: threading propagates scopes

    def work(n: int) -> None:
        with sentry_lite.start_span(op="pool", name=str(n)):
            pass

    with sentry_lite.start_transaction(name="pool") as tx:
        thread = threading.Thread(target=work, args=(-1,))
        thread.start()
        thread.join()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(work, range(6)))
    spans = _spans_by_transaction(sentry_transactions)["pool"]
    assert len(spans) == 7
    assert {s["parent_span_id"] for s in spans} == {tx.span_id}


def test_generators_resumed_elsewhere_do_not_break_the_active_span(sentry_init: Any) -> None:
    sentry_init(traces_sample_rate=1.0)

    def steps() -> Any:
        with sentry_lite.start_span(op="gen"):
            yield 1
            yield 2

    with sentry_lite.start_transaction(name="t") as tx:
        gen = steps()
        next(gen)
        contextvars.copy_context().run(lambda: list(gen))  # finished in another context
    assert sentry_lite.get_current_span() is None
    assert tx.timestamp is not None
