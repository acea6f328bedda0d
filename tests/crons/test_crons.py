"""Crons: check-ins as the official SDK sends them; config checked; limits and drops."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import sentry_lite
from sentry_lite._loopback import LoopbackServer, Reply
from sentry_lite.crons import MonitorStatus, capture_checkin, monitor
from sentry_lite.crons._config import MonitorConfigError, validate_monitor_config

APP = Path(__file__).parents[1] / "data" / "health" / "crons_app.py"
CHECK_IN_KEYS = {"type", "monitor_slug", "check_in_id", "status", "duration", "environment",
                 "release"}


def check_ins(sdk: str) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, str(APP), sdk], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return [json.loads(line[5:]) for line in done.stdout.splitlines() if line.startswith("ITEM ")]


def comparable(item: dict[str, Any]) -> dict[str, Any]:
    keys = CHECK_IN_KEYS | {"monitor_config"}
    picked = {k: v for k, v in item.items() if k in keys and k not in ("check_in_id", "duration")}
    picked["duration"] = None if item["duration"] is None else "seconds"
    return picked


def test_check_in_items_match_the_official_sdk() -> None:
    ours, official = check_ins("sentry_lite"), check_ins("sentry_sdk")
    assert [comparable(i) for i in ours] == [comparable(i) for i in official]
    assert [(i["monitor_slug"], i["status"]) for i in ours] == [
        ("fine", "in_progress"), ("fine", "ok"),
        ("fails", "in_progress"), ("fails", "error"),
        ("async-job", "in_progress"), ("async-job", "ok"),
        ("block", "in_progress"), ("block", "ok"),
        ("block-fails", "in_progress"), ("block-fails", "error"),
    ]
    for start, end in zip(ours[::2], ours[1::2], strict=True):
        assert start["check_in_id"] == end["check_in_id"] and len(start["check_in_id"]) == 32
        assert start["duration"] is None and 0 <= end["duration"] < 5
        assert (start["environment"], start["release"]) == ("staging", "cron-app@2")
    # the payload carries only the trace context, as the official SDK's does
    assert {tuple(i["contexts"]) for i in ours} == {("trace",)}
    assert {tuple(i["contexts"]) for i in official} == {("trace",)}


def test_decorator_reraises_untouched_and_keeps_the_function(sentry_init: Any,
                                                             sentry_envelopes: list[Any]) -> None:
    sentry_init(release="r")
    error = ValueError("the job's own error")

    @monitor(monitor_slug="job")
    def job(x: int) -> int:
        """Doc."""
        if x:
            raise error
        return 7

    assert job(0) == 7 and job.__name__ == "job" and job.__doc__ == "Doc."
    with pytest.raises(ValueError) as raised:
        job(1)
    assert raised.value is error
    statuses = [i.payload.json["status"] for e in sentry_envelopes for i in e.items]
    assert statuses == ["in_progress", "ok", "in_progress", "error"]
    assert [i.type for e in sentry_envelopes for i in e.items] == ["check_in"] * 4


def test_concurrent_async_runs_keep_their_own_check_in_ids(sentry_init: Any,
                                                           sentry_envelopes: list[Any]) -> None:
    sentry_init(release="r")

    @monitor(monitor_slug="job")
    async def job() -> None:
        await asyncio.sleep(0.01)

    async def both() -> None:
        await asyncio.gather(job(), job())

    asyncio.run(both())
    payloads = [i.payload.json for e in sentry_envelopes for i in e.items]
    ids = [p["check_in_id"] for p in payloads]
    assert len(set(ids)) == 2 and sorted(ids) == sorted(ids[:2] * 2)


def test_capture_checkin_returns_the_id_and_bypasses_sample_rate(
    sentry_init: Any, sentry_envelopes: list[Any]
) -> None:
    sentry_init(release="r", sample_rate=0.0)
    given = "a" * 32
    assert capture_checkin("job", given, MonitorStatus.OK, 1.5) == given
    made = capture_checkin("job", status="in_progress")
    assert made is not None and len(made) == 32
    assert sentry_lite.capture_message("sampled out") is None
    assert [i.type for e in sentry_envelopes for i in e.items] == ["check_in", "check_in"]
    assert sentry_envelopes[0].items[0].payload.json["duration"] == 1.5


def test_before_send_dropping_a_check_in_is_counted_as_monitor(
    sentry_init: Any, sentry_lost: list[Any]
) -> None:
    sentry_init(release="r", before_send=lambda event, hint: None)
    assert capture_checkin("job", status="ok") is None
    assert sentry_lost == [("before_send", "monitor", 1)]


def test_rate_limited_check_ins_are_dropped_and_reported() -> None:
    with LoopbackServer() as server:
        sentry_lite.init(dsn=server.dsn, release="r")
        server.script(Reply(429, {"X-Sentry-Rate-Limits": "60:monitor:key"}))
        capture_checkin("job", status="in_progress")
        sentry_lite.flush()
        capture_checkin("job", status="ok")  # limited: dropped before sending
        sentry_lite.capture_message("errors still go")
        sentry_lite.flush()
        assert server.wait_for_events(1)
        sentry_lite.get_client().close()
        assert server.wait_for(lambda s: s.discarded("ratelimit_backoff", "monitor") == 1)
        sent = [i for r in server.requests if r.envelope is not None
                for i in r.envelope.items if i.type == "check_in"]
        assert [i.payload.json["status"] for i in sent] == ["in_progress"]  # answered 429
        assert server.items_of("check_in") == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"schedule": {"type": "crontab", "value": "every hour"}}, "five fields"),
        ({"schedule": {"type": "interval", "value": 0, "unit": "hour"}}, "integer >= 1"),
        ({"schedule": {"type": "interval", "value": 2, "unit": "fortnight"}}, "unit must be"),
        ({"schedule": {"type": "weekly"}}, "'crontab' or 'interval'"),
        ({"checkin_margin": -1}, "checkin_margin"),
        ({"max_runtime": "30"}, "max_runtime"),
        ({"failure_issue_threshold": 0}, "failure_issue_threshold"),
        ({"recovery_threshold": True}, "recovery_threshold"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"schedul": {}}, "unknown key 'schedul'"),
        ("0 * * * *", "must be a dict"),
    ],
)
def test_bad_monitor_config_raises_a_clear_error(config: Any, message: str) -> None:
    with pytest.raises(MonitorConfigError, match=message):
        validate_monitor_config(config)
    with pytest.raises(ValueError, match=message):
        monitor(monitor_slug="job", monitor_config=config)


def test_good_configs_pass() -> None:
    validate_monitor_config({"schedule": {"type": "interval", "value": 10, "unit": "minute"},
                             "timezone": "UTC", "checkin_margin": 0, "owner": "team:ops"})
    validate_monitor_config({"schedule": {"type": "crontab", "value": "*/5 1-3 * JAN MON"}})


def test_capture_checkin_with_a_bad_config_sends_without_it(
    sentry_init: Any, sentry_envelopes: list[Any]
) -> None:
    sentry_init(release="r")
    assert capture_checkin("job", status="ok", monitor_config={"max_runtime": -5}) is not None
    payload = sentry_envelopes[0].items[0].payload.json
    assert payload["monitor_slug"] == "job" and "monitor_config" not in payload


def test_without_a_client_nothing_is_sent_and_none_returned() -> None:
    assert capture_checkin("job", status="ok") is None
    with monitor(monitor_slug="job"):
        pass
