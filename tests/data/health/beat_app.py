"""A Celery worker and a Celery beat (threads of this process, ``memory://`` broker)
under either SDK, with ``CeleryIntegration(monitor_beat_tasks=True)``; prints every
check-in item as ``ITEM <json>``.

    python beat_app.py SDK        SDK: sentry_sdk or sentry_lite

The beat schedule has a crontab entry, a whole-minute interval entry whose task fails,
an entry excluded by ``exclude_beat_tasks`` and one every 30 s (not expressible in
Sentry Crons). Entries start overdue, so beat sends each at its first tick.
"""

from __future__ import annotations

import importlib
import json
import sys
import threading
import time
from datetime import timedelta
from typing import Any

from celery import Celery
from celery.beat import EmbeddedService, Scheduler
from celery.contrib.testing.worker import start_worker
from celery.schedules import crontab

SDK_NAME = sys.argv[1]
sdk: Any = importlib.import_module(SDK_NAME)
transport_module: Any = importlib.import_module(f"{SDK_NAME}.transport")
celery_module: Any = importlib.import_module(f"{SDK_NAME}.integrations.celery")
seen: list[dict[str, Any]] = []
enough = threading.Event()


class Printing(transport_module.Transport):  # type: ignore[misc]
    def capture_envelope(self, envelope: Any) -> None:
        for item in envelope.items:
            if item.headers.get("type") == "check_in":
                seen.append(item.payload.json)
                sys.stdout.write(f"ITEM {json.dumps(item.payload.json, default=str)}\n")
                sys.stdout.flush()
                if len(seen) >= 4:
                    enough.set()


class Overdue(Scheduler):  # type: ignore[misc]
    """The in-memory scheduler, with every entry last run a day ago."""

    def setup_schedule(self) -> None:
        super().setup_schedule()
        for entry in self.schedule.values():
            entry.last_run_at = entry.default_now() - timedelta(days=1)


app = Celery("beat_health", broker="memory://", backend="cache+memory://")
app.conf.update(
    broker_transport_options={"polling_interval": 0.01},
    task_default_queue="beat_health",
    worker_hijack_root_logger=False,
    timezone="Europe/Vienna",
    beat_schedule={
        "hourly-report": {"task": "jobs.ok", "schedule": crontab(minute=0)},
        "ten-minute-sync": {"task": "jobs.fails", "schedule": 600.0},
        "excluded-cleanup": {"task": "jobs.ok", "schedule": 60.0},
        "too-fast": {"task": "jobs.ok", "schedule": 30.0},
    },
)


@app.task(name="jobs.ok")
def ok() -> int:
    return 1


@app.task(name="jobs.fails")
def fails() -> None:
    raise ValueError("the sync failed")


sdk.init(dsn="http://key@127.0.0.1:9/1", transport=Printing(), release="beat-app@3",
         integrations=[celery_module.CeleryIntegration(
             monitor_beat_tasks=True, exclude_beat_tasks=["excluded-.*"])])

with start_worker(app, pool="solo", perform_ping_check=False, loglevel="CRITICAL"):
    beat = EmbeddedService(app, thread=True, scheduler_cls=Overdue, max_interval=0.2)
    beat.start()
    enough.wait(30)
    time.sleep(1.0)  # anything unexpected (the excluded entry) would arrive by now
    beat.stop()
    from celery.worker import state

    state.should_terminate = 0
    ok.delay()
sdk.flush()
