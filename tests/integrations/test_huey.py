"""Huey: tasks run by Huey's own consumer (four worker threads, in-memory storage)."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from typing import Any

import pytest

huey_api = pytest.importorskip("huey")

from huey import MemoryHuey  # noqa: E402
from huey.consumer import Consumer  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.huey import HueyIntegration  # noqa: E402

huey = MemoryHuey("sl_huey_tests", utc=True)


@huey.task()
def fail(n: int, note: str = "") -> None:
    raise ValueError(f"task failed: {n}")


@huey.task()
def add(a: int, b: int) -> int:
    return a + b


@huey.task(retries=2)
def flaky() -> None:
    raise ConnectionError("flaky")


@huey.task()
def lonely(n: int) -> None:
    sentry_lite.set_tag("n", n)
    sentry_lite.set_user({"id": str(n)})
    sentry_lite.add_breadcrumb(message=f"crumb {n}")
    time.sleep(0.005)  # let the other workers' tasks interleave with this one
    raise RuntimeError(f"task {n}")


@pytest.fixture(scope="module")
def consumer() -> Any:
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    running = Consumer(huey, workers=4, worker_type="thread", periodic=False,
                       initial_delay=0.005, max_delay=0.02, check_worker_health=False)
    running.start()
    for signum, handler in handlers.items():  # the consumer installs its own
        signal.signal(signum, handler)
    yield running
    running.stop(graceful=True)


def wait_until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, "the consumer did not deliver in time"
        time.sleep(0.005)


def test_a_failing_task_is_reported_in_the_enqueuers_trace(
    consumer, sentry_init, sentry_events, sentry_transactions
) -> None:
    sentry_init(integrations=[HueyIntegration()], traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="request", op="http.server") as request:
        result = fail(7, note="hello")
    wait_until(lambda: len(sentry_transactions) == 2 and sentry_events)

    (event,) = sentry_events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["mechanism"] == {"type": "huey", "handled": False}
    assert event["transaction"] == "fail"
    assert event["tags"]["huey_task_id"] == result.id
    assert event["tags"]["huey_task_retry"] is False
    assert event["extra"]["huey-job"] == {
        "task": "fail", "retry": 0, "args": "[Filtered]", "kwargs": "[Filtered]",
    }
    assert event["contexts"]["trace"]["trace_id"] == request.trace_id

    by_name = {tx["transaction"]: tx for tx in sentry_transactions}
    (submit,) = by_name["request"]["spans"]
    assert submit["op"] == "queue.submit.huey"
    assert submit["description"] == "fail"
    task = by_name["fail"]["contexts"]["trace"]
    assert task["op"] == "queue.task.huey"
    assert task["status"] == "internal_error"
    assert task["trace_id"] == request.trace_id
    assert task["parent_span_id"] == submit["span_id"]
    assert task["data"]["messaging.destination.name"] == "sl_huey_tests"
    assert task["data"]["messaging.message.id"] == result.id
    assert by_name["fail"]["transaction_info"] == {"source": "task"}


def test_the_task_sees_its_own_kwargs_only(consumer, sentry_init, sentry_transactions) -> None:
    sentry_init(integrations=[HueyIntegration()], traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="request"):
        result = add(1, b=2)  # the sentry_headers kwarg is taken out before the call
    assert result.get(blocking=True, timeout=10) == 3
    wait_until(lambda: len(sentry_transactions) == 2)
    (task,) = [t for t in sentry_transactions if t["transaction"] == "add"]
    assert task["contexts"]["trace"]["status"] == "ok"


def test_args_with_pii_and_every_failed_attempt_of_a_retried_task(
    consumer, sentry_init, sentry_events
) -> None:
    sentry_init(integrations=[HueyIntegration()], send_default_pii=True)
    fail(3, note="visible")
    flaky()
    wait_until(lambda: len(sentry_events) == 4)
    (failed,) = [e for e in sentry_events if e["extra"]["huey-job"]["task"] == "fail"]
    assert failed["extra"]["huey-job"]["args"] == [3]
    assert failed["extra"]["huey-job"]["kwargs"] == {"note": "visible"}
    attempts = [e for e in sentry_events if e["extra"]["huey-job"]["task"] == "flaky"]
    assert sorted(e["extra"]["huey-job"]["retry"] for e in attempts) == [0, 1, 2]
    assert sorted(e["tags"]["huey_task_retry"] for e in attempts) == [False, True, True]


def test_twenty_concurrent_tasks_each_see_only_their_own_scope(
    consumer, sentry_init, sentry_events
) -> None:
    sentry_init(integrations=[HueyIntegration()])
    for n in range(20):
        lonely(n)
    wait_until(lambda: len(sentry_events) == 20)
    for event in sentry_events:
        n = event["tags"]["n"]
        assert event["user"] == {"id": str(n)}
        assert [c["message"] for c in event["breadcrumbs"]["values"]] == [f"crumb {n}"]
    assert sorted(e["tags"]["n"] for e in sentry_events) == list(range(20))


def test_without_the_integration_tasks_are_left_alone(consumer, sentry_init, sentry_events):
    sentry_init(integrations=[HueyIntegration()])
    sentry_init(default_integrations=False)
    with sentry_lite.start_transaction(name="request"):
        result = add(2, 2)
    assert result.get(blocking=True, timeout=10) == 4
    fail(1)
    add(0, 0).get(blocking=True, timeout=10)
    assert sentry_events == []


def test_huey_imported_after_init_is_traced(python) -> None:
    result = python(
        """
        import sys, sentry_lite
        from sentry_lite.testing import Capturing
        with Capturing() as capture:
            sentry_lite.init(traces_sample_rate=1.0)
            assert "huey" not in sys.modules
            from huey import MemoryHuey
            huey = MemoryHuey(immediate=True)

            @huey.task()
            def boom():
                raise KeyError("late")

            boom()
            sentry_lite.flush()
            print([e["exception"]["values"][0]["mechanism"]["type"] for e in capture.events])
            print([t["transaction"] for t in capture.transactions])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ["['huey']", "['boom']"]


@huey.periodic_task(huey_api.crontab(minute="*/15", hour="1-5", day_of_week="1,3"))
def nightly() -> None:
    time.sleep(0.01)


@huey.periodic_task(huey_api.crontab(minute="0", hour="2"))
def broken_nightly() -> None:
    raise RuntimeError("nightly failed")


def _check_ins(envelopes: list[Any]) -> list[dict[str, Any]]:
    return [item.payload.json for envelope in envelopes for item in envelope.items
            if item.type == "check_in"]


def test_periodic_tasks_send_check_ins_with_their_crontab(
    consumer, sentry_init, sentry_envelopes
) -> None:
    sentry_init(integrations=[HueyIntegration(monitor_periodic_tasks=True,
                                              exclude_periodic_tasks=["^add$", "other.*"])])
    huey.enqueue(nightly.s())  # what the consumer's scheduler does when the crontab matches
    huey.enqueue(broken_nightly.s())
    add(1, 2)  # not periodic: no check-in
    wait_until(lambda: len(_check_ins(sentry_envelopes)) == 4)
    time.sleep(0.05)
    items = _check_ins(sentry_envelopes)
    assert len(items) == 4
    by_slug: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_slug.setdefault(item["monitor_slug"], []).append(item)
    assert set(by_slug) == {"nightly", "broken_nightly"}
    expected = {"nightly": ("*/15 1-5 * * 1,3", "ok"), "broken_nightly": ("0 2 * * *", "error")}
    for slug, (cron, outcome) in expected.items():
        started, finished = by_slug[slug]
        config = {"schedule": {"type": "crontab", "value": cron}, "timezone": "UTC"}
        assert started["status"] == "in_progress"
        assert started["duration"] is None
        assert finished["status"] == outcome
        assert started["check_in_id"] == finished["check_in_id"]
        assert len(started["check_in_id"]) == 32
        assert started["monitor_config"] == finished["monitor_config"] == config
    assert by_slug["nightly"][1]["duration"] >= 0.01


def test_excluded_and_unmonitored_periodic_tasks_send_no_check_ins(
    consumer, sentry_init, sentry_envelopes, sentry_events
) -> None:
    sentry_init(integrations=[HueyIntegration(monitor_periodic_tasks=True,
                                              exclude_periodic_tasks=["broken_.*"])])
    huey.enqueue(broken_nightly.s())
    wait_until(lambda: len(sentry_events) == 1)
    assert _check_ins(sentry_envelopes) == []
    sentry_init(integrations=[HueyIntegration()])
    huey.enqueue(broken_nightly.s())
    wait_until(lambda: len(sentry_events) == 2)
    assert _check_ins(sentry_envelopes) == []


def test_the_crontab_is_read_back_as_cron_reads_it() -> None:
    from sentry_lite.integrations.huey import _monitor_config

    other = MemoryHuey("sl_huey_local", utc=False)
    crontab = huey_api.crontab

    def config(huey_: Any, **schedule: str) -> Any:
        name = "p_" + "_".join(f"{k}{v}" for k, v in schedule.items())
        task = huey_.periodic_task(crontab(**schedule), name=name)(lambda: None)
        found = _monitor_config(huey_, task.s())
        return found and found["schedule"]["value"]

    assert config(huey) == "* * * * *"
    assert config(huey, day_of_week="0-7") == "* * * * *"
    assert config(huey, minute="5,40", month="*/3") == "5,40 * * */3 *"
    assert config(huey, day="1", day_of_week="1") is None  # huey: both; cron: either
    assert config(other, minute="5") is None  # local time: no fixed zone to tell Sentry
    custom = huey.periodic_task(lambda ts: True, name="p_custom")(lambda: None)
    assert _monitor_config(huey, custom.s()) is None
