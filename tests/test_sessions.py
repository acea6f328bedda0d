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
from sentry_relay.processing import parse_release  # what the package re-exports at run time

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
    parse_release(attrs["release"])  # raises on a release Sentry refuses
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


# -- the machinery, in this process ----------------------------------------------------------

import os  # noqa: E402
import textwrap  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite import _health  # noqa: E402
from sentry_lite._event import release as release_module  # noqa: E402
from sentry_lite._loopback import LoopbackServer  # noqa: E402
from sentry_lite.envelope import Envelope  # noqa: E402
from sentry_lite.integrations.threading import ThreadingIntegration  # noqa: E402
from sentry_lite.session import Session  # noqa: E402
from sentry_lite.sessions import SessionFlusher, track_session  # noqa: E402
from tests.forking import run_in_child  # noqa: E402


def session_items(envelopes: list[Any]) -> list[dict[str, Any]]:
    return [i.payload.json for e in envelopes for i in e.items if i.type == "session"]


def request_session(status: str = "ok", errors: int = 0) -> Session:
    session = Session(release="r", environment="e", session_mode="request")
    session.update(status=status, errors=errors)
    session.close()
    return session


def test_the_flusher_sends_by_itself_every_interval() -> None:
    sent: list[Envelope] = []
    arrived = threading.Event()

    def capture(envelope: Envelope) -> None:
        sent.append(envelope)
        arrived.set()

    flusher = SessionFlusher(capture, flush_interval=0.05)  # type: ignore[arg-type]
    try:
        for outcome in ("ok", "ok", "crashed"):
            flusher.add_session(request_session(outcome))
        flusher.add_session(request_session(errors=2))
        assert arrived.wait(5)
    finally:
        flusher.kill()
    [item] = sent[0].items
    assert item.type == "sessions"
    check_aggregates(item.payload.json)
    [bucket] = item.payload.json["aggregates"]
    assert (bucket["exited"], bucket["crashed"], bucket["errored"]) == (2, 1, 1)


def test_a_forked_child_starts_with_nothing_pending() -> None:
    sent: list[Envelope] = []
    flusher = SessionFlusher(sent.append)
    flusher.add_session(request_session())

    def child() -> bool:  # the parent's sessions are the parent's to send
        flusher.flush()
        return not sent and flusher._thread is None

    code = run_in_child(child)
    flusher.kill()
    assert code == 0
    flusher.flush()
    assert [i.type for e in sent for i in e.items] == ["sessions"]


def test_application_sessions_beyond_the_bound_are_counted() -> None:
    lost: list[tuple[str, str, int]] = []
    flusher = SessionFlusher(lambda envelope: None,
                             record_lost_func=lambda *args: lost.append(args))
    flusher._thread = threading.current_thread()  # no background sending in this test
    flusher._thread_pid = os.getpid()
    for _ in range(1001):
        flusher.add_session(Session(release="r"))
    assert lost == [("queue_overflow", "session", 1)]
    assert len(flusher.pending_sessions) == 1000


def test_no_release_no_sessions_said_once(sentry_init: Any, sentry_envelopes: list[Any],
                                         tmp_path: Path, capsys: Any) -> None:
    release_module.forget()
    del _health._said_no_release[:]
    sentry_init(debug=True, project_root=str(tmp_path))  # not a git checkout: no release
    try:
        sentry_lite.start_session()
        sentry_lite.end_session()
        sentry_lite.start_session()
        sentry_lite.flush()
    finally:
        release_module.forget()
    assert session_items(sentry_envelopes) == []
    assert capsys.readouterr().err.count("no release is set: release health") == 1


def test_errors_count_only_exceptions_and_sampled_out_ones_too(
    sentry_init: Any, sentry_envelopes: list[Any]
) -> None:
    sentry_init(release="r", sample_rate=0.0)
    sentry_lite.start_session()
    sentry_lite.capture_message("not an error for release health")
    try:
        raise ValueError("sampled out, still an error")
    except ValueError:
        sentry_lite.capture_exception()
    sentry_lite.set_user({"email": "late@example.com"})  # the session's did follows
    sentry_lite.start_session()  # ends the first one
    sentry_lite.end_session()
    sentry_lite.flush()
    first, second = session_items(sentry_envelopes)
    assert (first["status"], first["errors"], first["did"]) == ("exited", 1, "late@example.com")
    assert (second["status"], "errors" in second) == ("exited", False)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_an_unhandled_error_in_a_thread_crashes_the_session(
    sentry_init: Any, sentry_envelopes: list[Any]
) -> None:
    sentry_init(release="r", integrations=[ThreadingIntegration(propagate_scope=True)])
    sentry_lite.start_session()

    def fail() -> None:
        raise RuntimeError("the worker thread died")

    thread = threading.Thread(target=fail)
    thread.start()
    thread.join()
    sentry_lite.end_session()
    sentry_lite.flush()
    [session] = session_items(sentry_envelopes)
    assert (session["status"], session["errors"]) == ("crashed", 1)


def test_track_session_and_stopping_auto_tracking(sentry_init: Any,
                                                  sentry_envelopes: list[Any]) -> None:
    sentry_init(release="r")
    scope = sentry_lite.get_isolation_scope()
    with track_session(scope):
        assert scope._session is not None
    scope.stop_auto_session_tracking()
    with track_session(scope):
        assert scope._session is None
    scope.resume_auto_session_tracking()
    sentry_lite.flush()
    assert [s["status"] for s in session_items(sentry_envelopes)] == ["exited"]


def test_a_session_left_open_is_sent_at_exit() -> None:
    with LoopbackServer() as server:
        code = textwrap.dedent(f"""
            import sentry_lite
            sentry_lite.init(dsn={server.dsn!r}, release="exit@1")
            sentry_lite.start_session()
        """)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert server.wait_for_items("session", 1)
        [item] = server.items_of("session")
    check_session(item.payload.json)
    assert item.payload.json["status"] == "exited"


def test_request_sessions_cost_no_envelope_per_request(sentry_init: Any,
                                                       sentry_envelopes: list[Any]) -> None:
    from werkzeug.test import Client as WerkzeugClient

    from sentry_lite.integrations.wsgi import SentryWsgiMiddleware

    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    sentry_init(release="r")
    client = WerkzeugClient(SentryWsgiMiddleware(app))
    started = time.time()
    for _ in range(20):
        client.get("/").close()  # a server closes the response: the request is over
    assert sentry_envelopes == []  # counted, not sent, until the flush
    sentry_lite.flush()
    [envelope] = sentry_envelopes
    [bucket] = envelope.items[0].payload.json["aggregates"]
    assert bucket["exited"] == 20 or time.time() // 60 != started // 60


def test_requests_ending_together_first_thing_are_all_counted(
    sentry_init: Any, sentry_envelopes: list[Any]
) -> None:
    # The first sessions of a process make the client's flusher: requests ending at the same
    # moment must share one flusher (a second one, replacing the first, lost what the first
    # had counted: 95 of 96 "exited" in one run of the 100-request test under load).
    threads, barrier = 16, threading.Barrier(16)

    def end_one_request() -> None:
        session = request_session()
        barrier.wait()
        sentry_lite.get_client().capture_session(session)

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter allows
    try:
        for _ in range(10):
            sentry_init(release="r")  # a new client: no flusher yet
            workers = [threading.Thread(target=end_one_request) for _ in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            sentry_lite.flush()
    finally:
        sys.setswitchinterval(previous)
    counted = sum(
        bucket.get("exited", 0)
        for envelope in sentry_envelopes
        for item in envelope.items
        for bucket in item.payload.json["aggregates"]
    )
    assert counted == 10 * threads
