"""Session: the official SDK's constructor, transitions and payload."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sentry_lite.session import Session, format_timestamp


def test_payload_has_the_official_fields() -> None:
    started = datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=timezone.utc)
    session = Session(started=started, release="app@1", environment="prod",
                      user={"id": 7, "ip_address": "10.0.0.1"}, user_agent="curl/8")
    session.update(timestamp=started + timedelta(seconds=3))
    assert session.to_json() == {
        "sid": str(session.sid),
        "init": True,
        "started": "2024-05-01T12:30:15.250000Z",
        "timestamp": "2024-05-01T12:30:18.250000Z",
        "status": "ok",
        "did": "7",
        "attrs": {"release": "app@1", "environment": "prod", "ip_address": "10.0.0.1",
                  "user_agent": "curl/8"},
    }
    assert session.sid == session.sid and isinstance(session.sid, uuid.UUID)
    assert session.truncated_started == datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)
    assert session.get_json_attrs(with_user_info=False) == {"release": "app@1",
                                                            "environment": "prod"}


def test_did_comes_from_id_then_email_then_username() -> None:
    assert Session(user={"email": "a@b.c", "username": "ab"}).did == "a@b.c"
    assert Session(user={"username": "ab"}).did == "ab"
    assert Session(user={}).did is None
    assert Session(did="given", user={"id": 1}).did == "given"


def test_close_exits_an_ok_session_and_keeps_an_ended_one() -> None:
    fine = Session()
    fine.close()
    assert fine.status == "exited"
    crashed = Session()
    crashed.update(status="crashed", errors=1)
    crashed.close()
    assert crashed.status == "crashed" and crashed.to_json()["errors"] == 1
    forced = Session()
    forced.close("abnormal")
    assert forced.status == "abnormal"


def test_given_ids_and_times_are_kept() -> None:
    sid = uuid.uuid4()
    session = Session(sid=str(sid), started=datetime(2020, 1, 1))  # naive: taken as UTC
    assert session.sid == sid
    assert session.started == datetime(2020, 1, 1, tzinfo=timezone.utc)
    session.sid = uuid.UUID(int=1)
    assert session.to_json()["sid"] == "00000000-0000-0000-0000-000000000001"


def test_format_timestamp_is_utc_with_microseconds() -> None:
    vienna = timezone(timedelta(hours=2))
    assert format_timestamp(datetime(2024, 1, 1, 2, 0, tzinfo=vienna)) == (
        "2024-01-01T00:00:00.000000Z"
    )


def test_the_request_shortcut_makes_what_the_constructor_makes() -> None:
    quick = Session._for_request("app@1", "prod", "request")
    full = Session(release="app@1", environment="prod", session_mode="request")
    for name in ("status", "did", "release", "environment", "duration", "user_agent",
                 "ip_address", "session_mode", "errors"):
        assert getattr(quick, name) == getattr(full, name), name
    assert abs(quick.started.timestamp() - full.started.timestamp()) < 5
    assert set(quick.to_json()) == set(full.to_json())
