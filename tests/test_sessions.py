"""Release health, end to end, beside the official SDK.

The same apps (tests/data/health/apps.py) run once under ``sentry_sdk`` and once under
``sentry_lite``, each in its own interpreter; the ``session``/``sessions`` items both
hand their transport must agree. Every payload is also checked against the session
protocol: ``sentry_relay`` (the package of Relay's normalizer) has no session validator,
so the schema is the documented one (develop.sentry.dev, "Sessions"), with the release
checked by Relay's own ``parse_release``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import sentry_relay

APPS = Path(__file__).parent / "data" / "health" / "apps.py"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
STATUSES = {"ok", "exited", "crashed", "abnormal", "errored"}
OUTCOMES = ("exited", "errored", "crashed", "abnormal")


def run_app(sdk: str, case: str) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, str(APPS), sdk, case], capture_output=True,
                          text=True, timeout=120, check=False)
    items = [json.loads(line[5:]) for line in done.stdout.splitlines()
             if line.startswith("ITEM ")]
    assert items, f"{sdk} {case} sent no session item:\n{done.stdout}\n{done.stderr[-3000:]}"
    return items


def check_attrs(attrs: dict[str, Any]) -> None:
    assert set(attrs) <= {"release", "environment", "ip_address", "user_agent"}
    sentry_relay.parse_release(attrs["release"])  # raises on a release Sentry refuses
    assert all(isinstance(value, str) for value in attrs.values())


def check_session(payload: dict[str, Any]) -> None:
    """A ``session`` item per the protocol."""
    assert set(payload) <= {"sid", "did", "seq", "init", "started", "timestamp", "duration",
                            "status", "errors", "attrs", "abnormal_mechanism"}
    uuid.UUID(payload["sid"])
    assert isinstance(payload.get("init", False), bool)
    assert STAMP.match(payload["started"]) and STAMP.match(payload["timestamp"])
    assert payload["started"] <= payload["timestamp"]
    assert payload["status"] in STATUSES
    errors = payload.get("errors", 0)
    assert isinstance(errors, int) and errors >= 0
    if "did" in payload:
        assert isinstance(payload["did"], str)
    check_attrs(payload["attrs"])


def check_aggregates(payload: dict[str, Any]) -> None:
    """A ``sessions`` item per the protocol."""
    assert set(payload) == {"attrs", "aggregates"}
    check_attrs(payload["attrs"])
    for bucket in payload["aggregates"]:
        assert set(bucket) <= {"started", "did", *OUTCOMES}
        assert STAMP.match(bucket["started"]) and bucket["started"].endswith(":00.000000Z")
        assert all(isinstance(bucket[k], int) and bucket[k] > 0 for k in OUTCOMES if k in bucket)


def totals(items: list[dict[str, Any]]) -> dict[str, int]:
    counted = dict.fromkeys(OUTCOMES, 0)
    for item in items:
        assert item["type"] == "sessions"
        check_aggregates(item["payload"])
        for bucket in item["payload"]["aggregates"]:
            for outcome in OUTCOMES:
                counted[outcome] += bucket.get(outcome, 0)
    return counted


@pytest.mark.parametrize("framework", ["flask", "fastapi"])
def test_100_requests_aggregate_as_the_official_sdk_does(framework: str) -> None:
    ours = run_app("sentry_lite", framework)
    official = run_app("sentry_sdk", framework)
    expected = {"exited": 96, "errored": 3, "crashed": 1, "abnormal": 0}
    assert totals(official) == expected  # what the reference reports for this app
    assert totals(ours) == expected
    assert [i["payload"]["attrs"] for i in ours] == [i["payload"]["attrs"] for i in official]


@pytest.mark.parametrize(
    ("case", "status", "errors"), [("script-handled", "exited", 1), ("script-crash", "crashed", 2)]
)
def test_application_session_items_match_the_official_sdk(
    case: str, status: str, errors: int
) -> None:
    ours = run_app("sentry_lite", case)
    official = run_app("sentry_sdk", case)
    assert len(ours) == len(official) == 1
    for item in (*ours, *official):
        assert item["type"] == "session"
        check_session(item["payload"])

    def stable(payload: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in payload.items() if k not in ("sid", "started", "timestamp")}

    assert stable(ours[0]["payload"]) == stable(official[0]["payload"])
    assert stable(ours[0]["payload"]) == {
        "init": True, "status": status, "errors": errors, "did": "user-42",
        "attrs": {"release": "health-app@1.0", "environment": "acceptance"},
    }
