"""The same monitored jobs under either SDK; prints every check-in item as ``ITEM <json>``.

    python crons_app.py SDK        SDK: sentry_sdk or sentry_lite
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from typing import Any

SDK_NAME = sys.argv[1]
sdk: Any = importlib.import_module(SDK_NAME)
transport_module: Any = importlib.import_module(f"{SDK_NAME}.transport")
CONFIG = {"schedule": {"type": "crontab", "value": "0 * * * *"}, "checkin_margin": 5,
          "max_runtime": 30, "timezone": "Europe/Vienna", "failure_issue_threshold": 2,
          "recovery_threshold": 3}


class Printing(transport_module.Transport):  # type: ignore[misc]
    def capture_envelope(self, envelope: Any) -> None:
        for item in envelope.items:
            if item.headers.get("type") == "check_in":
                sys.stdout.write(f"ITEM {json.dumps(item.payload.json, default=str)}\n")


sdk.init(dsn="http://key@127.0.0.1:9/1", transport=Printing(), release="cron-app@2",
         environment="staging", sample_rate=0.0)


@sdk.monitor(monitor_slug="fine", monitor_config=CONFIG)
def fine() -> int:
    return 1


@sdk.monitor(monitor_slug="fails")
def fails() -> None:
    raise ValueError("job failed")


@sdk.monitor(monitor_slug="async-job", monitor_config=CONFIG)
async def async_job() -> int:
    await asyncio.sleep(0)
    return 2


fine()
try:
    fails()
except ValueError:
    pass
asyncio.run(async_job())
with sdk.monitor(monitor_slug="block"):
    pass
try:
    with sdk.monitor(monitor_slug="block-fails"):
        raise KeyError("in the block")
except KeyError:
    pass
sdk.flush()
