"""Celery beat check-ins: a real worker and a real beat (threads of one interpreter,
``memory://`` broker) under sentry_lite and under the official SDK send the same pairs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("celery")

from sentry_lite.integrations._celery_beat import match_regex_list

APP = Path(__file__).parents[1] / "data" / "health" / "beat_app.py"


def check_ins(sdk: str) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, str(APP), sdk], capture_output=True, text=True,
                          timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line[5:]) for line in done.stdout.splitlines() if line.startswith("ITEM ")]


def shape(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (i["monitor_slug"], i["status"], i["duration"] is None, json.dumps(i["monitor_config"]),
         i["release"], i["environment"])
        for i in items
    )


def test_beat_tasks_send_the_pair_the_official_sdk_sends() -> None:
    ours, official = check_ins("sentry_lite"), check_ins("sentry_sdk")
    assert shape(ours) == shape(official)
    assert [(s[0], s[1]) for s in shape(ours)] == [
        ("hourly-report", "in_progress"), ("hourly-report", "ok"),
        ("ten-minute-sync", "error"), ("ten-minute-sync", "in_progress"),
    ]  # nothing for the excluded entry nor for the 30-second one
    by_slug: dict[str, set[str]] = {}
    for item in ours:
        by_slug.setdefault(item["monitor_slug"], set()).add(item["check_in_id"])
        assert set(item["contexts"]) == {"trace"}
        if item["status"] != "in_progress":
            assert 0 <= item["duration"] < 30
    assert all(len(ids) == 1 for ids in by_slug.values())  # one id shared by the pair
    config = {i["monitor_slug"]: i["monitor_config"] for i in ours}
    assert config == {
        "hourly-report": {"schedule": {"type": "crontab", "value": "0 * * * *"},
                          "timezone": "Europe/Vienna"},
        "ten-minute-sync": {"schedule": {"type": "interval", "value": 10, "unit": "minute"},
                            "timezone": "Europe/Vienna"},
    }


def test_exclude_patterns_match_as_the_official_sdk_does() -> None:
    assert match_regex_list("excluded-cleanup", ["excluded-.*"])
    assert match_regex_list("nightly-excluded", ["excluded"])  # anchored at the end only
    assert not match_regex_list("excluded-cleanup", ["excluded"])
    assert not match_regex_list("anything", None)
