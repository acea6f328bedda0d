"""Dramatiq: messages processed by Dramatiq's own worker (four threads) on its in-memory
``StubBroker``, created before ``init()`` as applications do."""

from __future__ import annotations

import time
from typing import Any

import pytest

dramatiq = pytest.importorskip("dramatiq")

from dramatiq.brokers.stub import StubBroker  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.dramatiq import DramatiqIntegration  # noqa: E402

broker = StubBroker()
broker.emit_after("process_boot")
QUEUE = "sl_dramatiq"


@dramatiq.actor(broker=broker, queue_name=QUEUE, max_retries=0)
def fail(n: int, note: str = "") -> None:
    raise ValueError(f"message failed: {n}")


@dramatiq.actor(broker=broker, queue_name=QUEUE, max_retries=0)
def ok(n: int) -> None:
    sentry_lite.add_breadcrumb(message=f"ok {n}")


@dramatiq.actor(broker=broker, queue_name=QUEUE, max_retries=2, min_backoff=1, max_backoff=2)
def flaky() -> None:
    raise ConnectionError("flaky")


@dramatiq.actor(broker=broker, queue_name=QUEUE, max_retries=0, throws=(KeyError,))
def expected() -> None:
    raise KeyError("declared in throws")


@dramatiq.actor(broker=broker, queue_name=QUEUE, max_retries=0)
def lonely(n: int) -> None:
    sentry_lite.set_tag("n", n)
    sentry_lite.set_user({"id": str(n)})
    sentry_lite.add_breadcrumb(message=f"crumb {n}")
    time.sleep(0.005)  # let the other threads' messages interleave with this one
    raise RuntimeError(f"message {n}")


@pytest.fixture(scope="module")
def worker() -> Any:
    running = dramatiq.Worker(broker, worker_threads=4, worker_timeout=10)
    running.start()
    yield running
    running.stop()


def drain(worker: Any) -> None:  # wait until every message sent so far is processed
    broker.join(QUEUE, fail_fast=False)
    worker.join()


def test_a_failing_message_is_reported_in_the_enqueuers_trace(
    sentry_init, sentry_events, sentry_transactions, worker
) -> None:
    sentry_init(integrations=[DramatiqIntegration()], traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="request", op="http.server") as request:
        message = fail.send(7, note="hello")
    drain(worker)

    (event,) = sentry_events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["mechanism"] == {"type": "dramatiq", "handled": False}
    assert event["transaction"] == "fail"
    assert event["extra"]["dramatiq_message_id"] == message.message_id
    data = event["contexts"]["dramatiq"]["data"]
    assert data["queue_name"] == QUEUE
    assert data["args"] == data["kwargs"] == "[Filtered]"
    assert event["contexts"]["trace"]["trace_id"] == request.trace_id

    (task,) = [t for t in sentry_transactions if t["transaction"] == "fail"]
    trace = task["contexts"]["trace"]
    assert trace["op"] == "queue.task.dramatiq"
    assert trace["status"] == "internal_error"
    assert trace["trace_id"] == request.trace_id
    assert trace["parent_span_id"] == request.span_id
    assert trace["data"]["messaging.message.id"] == message.message_id
    assert trace["data"]["messaging.destination.name"] == QUEUE
    assert task["transaction_info"] == {"source": "task"}


def test_success_expected_exceptions_and_retries(
    sentry_init, sentry_events, sentry_transactions, worker
) -> None:
    sentry_init(integrations=[DramatiqIntegration()], traces_sample_rate=1.0,
                send_default_pii=True)
    ok.send(1)
    expected.send()
    flaky.send()
    drain(worker)
    statuses = sorted((t["transaction"], t["contexts"]["trace"]["status"])
                      for t in sentry_transactions)
    assert statuses == [("expected", "aborted"), ("flaky", "internal_error"),
                        ("flaky", "internal_error"), ("flaky", "internal_error"), ("ok", "ok")]
    # every failed attempt is reported; KeyError was declared in throws
    assert [e["transaction"] for e in sentry_events] == ["flaky"] * 3
    retries = sorted(e["contexts"]["dramatiq"]["data"]["options"].get("retries", 0)
                     for e in sentry_events)
    assert retries == [0, 1, 2]
    assert sentry_events[0]["contexts"]["dramatiq"]["data"]["args"] == []


def test_twenty_concurrent_messages_each_see_only_their_own_scope(
    sentry_init, sentry_events, worker
) -> None:
    sentry_init(integrations=[DramatiqIntegration()])
    for n in range(20):
        lonely.send(n)
    drain(worker)
    assert len(sentry_events) == 20
    for event in sentry_events:
        n = event["tags"]["n"]
        assert event["user"] == {"id": str(n)}
        crumbs = [c["message"] for c in event["breadcrumbs"]["values"]]
        # its own crumb, then (when the Retries middleware's logger reaches the logging
        # integration) that middleware's line about this very message, nothing else
        own_id = event["extra"]["dramatiq_message_id"]
        assert crumbs[0] == f"crumb {n}"
        assert crumbs[1:] in ([], [f"Retries exceeded for message {own_id!r}."])
    assert sorted(e["tags"]["n"] for e in sentry_events) == list(range(20))


def test_without_the_integration_messages_are_left_alone(
    sentry_init, sentry_events, worker
) -> None:
    sentry_init(integrations=[DramatiqIntegration()])
    sentry_init(default_integrations=False)
    message = fail.send(1)
    drain(worker)
    assert "_sentry_headers" not in message.options
    assert sentry_events == []


def test_dramatiq_imported_after_init(python) -> None:
    result = python(
        """
        import sys, sentry_lite
        from sentry_lite.integrations.dramatiq import DramatiqIntegration
        from sentry_lite.testing import Capturing
        with Capturing() as capture:
            sentry_lite.init(integrations=[DramatiqIntegration()], traces_sample_rate=1.0)
            import dramatiq
            from dramatiq.brokers.stub import StubBroker
            broker = StubBroker()
            broker.emit_after("process_boot")

            @dramatiq.actor(broker=broker, max_retries=0)
            def boom():
                raise KeyError("late")

            worker = dramatiq.Worker(broker, worker_threads=1)
            worker.start()
            boom.send()
            broker.join("default", fail_fast=False)
            worker.join()
            worker.stop()
            sentry_lite.flush()
            print([e["exception"]["values"][0]["mechanism"]["type"] for e in capture.events])
            print([t["transaction"] for t in capture.transactions])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ["['dramatiq']", "['boom']"]
