"""Celery: tasks run by Celery's own in-process worker (``celery.contrib.testing``, the
``memory://`` broker and the ``cache+memory://`` result backend), reporting to a real
loopback Sentry server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

celery = pytest.importorskip("celery")

from celery import Celery  # noqa: E402
from celery.contrib.testing.worker import start_worker  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.celery import CeleryIntegration  # noqa: E402
from sentry_lite.testing import assert_valid_event  # noqa: E402

if TYPE_CHECKING:
    from sentry_lite.types import Event

app = Celery("sl_celery_tests", broker="memory://", backend="cache+memory://")
app.conf.update(
    broker_transport_options={"polling_interval": 0.01},
    task_default_queue="sl_celery_tests",
    worker_hijack_root_logger=False,
)


@app.task(name="tests.fail")
def fail(n: int) -> None:
    raise ValueError(f"task failed: {n}")


@app.task(name="tests.lonely_user")
def lonely_user(n: int) -> None:
    sentry_lite.add_breadcrumb(message=f"crumb {n}")
    sentry_lite.set_user({"id": str(n)})
    sentry_lite.set_tag("n", n)
    raise RuntimeError(f"user {n}")


@app.task(name="tests.no_user")
def no_user() -> None:
    raise RuntimeError("who am I")


@app.task(name="tests.expected", throws=(KeyError,))
def expected() -> None:
    raise KeyError("declared in throws")


@app.task(name="tests.retrying", bind=True, max_retries=1)
def retrying(self: Any) -> None:
    try:
        raise ConnectionError("flaky")
    except ConnectionError as exc:
        raise self.retry(exc=exc, countdown=0) from exc


@app.task(name="tests.headers", bind=True)
def headers(self: Any) -> dict[str, Any]:
    own = vars(self.request)
    return {"sentry-trace": own.get("sentry-trace"), "baggage": own.get("baggage")}


@app.task(name="tests.wake")
def wake() -> None:
    return None


@pytest.fixture(scope="module")
def worker() -> Any:
    from celery.worker import state

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="ERROR"):
        yield app
        # The worker polls with a 2 s timeout: wake it so that it stops at once.
        state.should_terminate = 0
        wake.delay()
        wake.delay()


def wait(result: Any) -> Any:
    return result.get(timeout=10, interval=0.01, propagate=False)


def tx_named(server: Any, name: str) -> list[Event]:
    return [t for t in server.transactions if t.get("transaction") == name]


def test_a_failing_task_is_reported_in_the_producers_trace(worker, sentry_server) -> None:
    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="producer", op="test") as producer:
        result = fail.delay(7)
    assert isinstance(wait(result), ValueError)
    assert sentry_server.wait_for(lambda s: tx_named(s, "tests.fail") and s.events)

    (event,) = sentry_server.events
    assert_valid_event(event)
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["mechanism"] == {"type": "celery", "handled": False}
    assert event["transaction"] == "tests.fail"
    assert event["tags"]["celery_task_id"] == result.id
    assert event["extra"]["celery-job"] == {
        "task_name": "tests.fail", "args": "[Filtered]", "kwargs": "[Filtered]",
    }
    assert event["contexts"]["trace"]["trace_id"] == producer.trace_id

    (task_tx,) = tx_named(sentry_server, "tests.fail")
    (producer_tx,) = tx_named(sentry_server, "producer")
    for tx in (task_tx, producer_tx):
        assert_valid_event(tx)
    trace = task_tx["contexts"]["trace"]
    assert trace["trace_id"] == producer.trace_id
    assert trace["op"] == "queue.task.celery"
    assert trace["status"] == "internal_error"
    assert task_tx["transaction_info"] == {"source": "task"}
    (submit,) = [s for s in producer_tx["spans"] if s["op"] == "queue.submit.celery"]
    assert submit["description"] == "tests.fail"
    assert trace["parent_span_id"] == submit["span_id"]
    (process,) = task_tx["spans"]
    assert process["op"] == "queue.process"
    assert process["data"]["messaging.message.id"] == result.id
    assert process["data"]["messaging.system"] == "memory"
    assert process["data"]["messaging.destination.name"] == "sl_celery_tests"


def test_every_task_has_its_own_scope(worker, sentry_server) -> None:
    sentry_lite.init(dsn=sentry_server.dsn)
    results = [lonely_user.delay(n) for n in range(8)]
    results.append(no_user.delay())
    for result in results:
        wait(result)
    assert sentry_server.wait_for_events(9)
    events = sentry_server.events
    for event in events:
        assert_valid_event(event)
        if event["transaction"] == "tests.no_user":
            assert "user" not in event
            assert "n" not in event.get("tags", {})
            assert not event.get("breadcrumbs", {}).get("values")
            continue
        n = event["tags"]["n"]
        assert event["user"] == {"id": str(n)}
        assert [c["message"] for c in event["breadcrumbs"]["values"]] == [f"crumb {n}"]
    assert sorted(e["tags"].get("n", -1) for e in events) == [-1, *range(8)]


def test_expected_exceptions_and_retries_are_not_reported(worker, sentry_server) -> None:
    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0)
    assert isinstance(wait(expected.delay()), KeyError)
    final = wait(retrying.delay())
    assert isinstance(final, ConnectionError)
    assert sentry_server.wait_for(lambda s: len(s.transactions) == 3 and s.events)
    # One event: the retried task's final failure; the retry itself and `throws` are not.
    (event,) = sentry_server.events
    assert event["exception"]["values"][-1]["type"] == "ConnectionError"
    assert event["transaction"] == "tests.retrying"
    statuses = sorted(
        (t["transaction"], t["contexts"]["trace"]["status"]) for t in sentry_server.transactions
    )
    assert statuses == [
        ("tests.expected", "internal_error"),
        ("tests.retrying", "aborted"),
        ("tests.retrying", "internal_error"),
    ]


def test_messages_carry_trace_headers_unless_told_not_to(worker, sentry_server) -> None:
    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="producer") as producer:
        sent = wait(headers.delay())
        not_sent = wait(headers.apply_async(headers={"sentry-propagate-traces": False}))
    assert sent["sentry-trace"].startswith(producer.trace_id + "-")
    assert f"sentry-trace_id={producer.trace_id}" in sent["baggage"]
    assert not_sent == {"sentry-trace": None, "baggage": None}

    sentry_lite.init(
        dsn=sentry_server.dsn, integrations=[CeleryIntegration(propagate_traces=False)]
    )
    assert wait(headers.delay()) == {"sentry-trace": None, "baggage": None}


def test_eager_tasks_stay_in_the_callers_trace_and_escaping_errors_are_reported(
    sentry_server,
) -> None:
    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="caller") as caller, pytest.raises(ValueError):
        fail.apply((1,), throw=True)
    assert sentry_server.wait_for(lambda s: len(s.transactions) == 2 and s.events)
    (event,) = sentry_server.events
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "celery", "handled": False}
    assert event["contexts"]["trace"]["trace_id"] == caller.trace_id
    (task_tx,) = tx_named(sentry_server, "tests.fail")
    assert task_tx["contexts"]["trace"]["trace_id"] == caller.trace_id


def test_the_worker_scope_is_left_as_it_was(sentry_init) -> None:
    sentry_init(integrations=[CeleryIntegration()])
    before = (sentry_lite.get_isolation_scope(), sentry_lite.get_current_scope())
    fail.apply((2,))
    assert (sentry_lite.get_isolation_scope(), sentry_lite.get_current_scope()) == before


def test_switches_on_by_itself_and_uninstalls_cleanly(sentry_init) -> None:
    from celery.app.task import Task
    from celery.app.trace import TraceInfo
    from celery.signals import task_postrun, task_prerun

    def hooks() -> tuple[Any, ...]:
        return (
            vars(Task).get("apply_async"),
            vars(Celery).get("send_task"),
            vars(TraceInfo).get("handle_failure"),
            len(task_prerun.receivers),
            len(task_postrun.receivers),
        )

    before = hooks()
    client = sentry_init()  # celery is imported: the integration is enabled by itself
    assert "celery" in client.integrations
    assert hooks() != before
    CeleryIntegration.uninstall()
    assert hooks() == before
