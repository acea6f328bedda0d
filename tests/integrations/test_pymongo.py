"""PyMongoIntegration: the command listener it registers, fed pymongo's own event objects
(no MongoDB server can be installed on this machine: the end-to-end test below runs only
where a ``mongod`` binary is on PATH). The integration is switched on by ``init()`` itself
(pymongo is imported)."""

from __future__ import annotations

import datetime
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pymongo")

import pymongo
from pymongo import monitoring

import sentry_lite
from sentry_lite.integrations.pymongo import CommandTracer, PyMongoIntegration

PEER = ("127.0.0.1", 27017)
TOOK = datetime.timedelta(milliseconds=2)


def tracer_of_a_new_client() -> CommandTracer:
    """The listener a MongoClient made now reports to (no server needed: connect=False)."""
    client: Any = pymongo.MongoClient(f"mongodb://{PEER[0]}:{PEER[1]}", connect=False)
    try:
        (tracer,) = [x for x in client.options.event_listeners if isinstance(x, CommandTracer)]
    finally:
        client.close()
    return tracer


def run_command(tracer: CommandTracer, command: dict[str, Any], request_id: int,
                fail: bool = False) -> None:  # fmt: skip
    tracer.started(monitoring.CommandStartedEvent(command, "app", request_id, PEER, 7))
    name = next(iter(command))
    if fail:
        tracer.failed(
            monitoring.CommandFailedEvent(
                TOOK, {"ok": 0, "errmsg": "boom"}, name, request_id, PEER, 7, database_name="app"
            )
        )
    else:
        tracer.succeeded(monitoring.CommandSucceededEvent(
            TOOK, {"ok": 1}, name, request_id, PEER, 7, database_name="app"))  # fmt: skip


INSERT = {
    "insert": "users", "ordered": True, "$db": "app", "lsid": {"id": "session-1"},
    "documents": [{"name": "Ann", "password": "hunter2"}],
}  # fmt: skip


def test_init_registers_the_listener_for_new_clients(sentry_init: Any) -> None:
    client = sentry_init()
    assert isinstance(client.integrations.get("pymongo"), PyMongoIntegration)
    assert isinstance(tracer_of_a_new_client(), CommandTracer)


def test_a_command_is_a_span_and_a_breadcrumb_with_values_hidden(
    sentry_init: Any, sentry_transactions: list[Any], sentry_events: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    tracer = tracer_of_a_new_client()
    with sentry_lite.start_transaction(name="caller"):
        run_command(tracer, dict(INSERT), 1)
        sentry_lite.capture_message("after")
    (span,) = sentry_transactions[0]["spans"]
    query = json.loads(span["description"])
    assert query == {"insert": "users", "ordered": True, "documents": [
        {"name": "%s", "password": "%s"}]}  # fmt: skip
    assert (span["op"], span["origin"], span["status"]) == ("db", "auto.db.pymongo", "ok")
    for key, value in {
        "db.name": "app", "db.system": "mongodb", "db.driver.name": "pymongo",
        "db.operation": "insert", "db.mongodb.collection": "users",
        "net.peer.name": "127.0.0.1", "net.peer.port": "27017",
    }.items():  # fmt: skip
        assert span["tags"][key] == value
        assert span["data"][key] == value
    assert span["data"]["operation_ids"] == {"operation": 7, "request": 1, "session": "session-1"}
    assert (span["data"]["server.address"], span["data"]["server.port"]) == PEER
    (crumb,) = [c for c in sentry_events[0]["breadcrumbs"]["values"] if c["category"] == "query"]
    assert (crumb["type"], crumb["message"]) == ("db", span["description"])
    assert "hunter2" not in json.dumps(sentry_events[0])


def test_filters_updates_and_match_stages_are_hidden(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    tracer = tracer_of_a_new_client()
    with sentry_lite.start_transaction(name="caller"):
        run_command(tracer, {"find": "users", "filter": {"email": "a@b.c"}, "limit": 1}, 1)
        run_command(tracer, {"aggregate": "users", "pipeline": [
            {"$match": {"age": 40}}, {"$count": "n"}], "cursor": {}}, 2)  # fmt: skip
        run_command(tracer, {"update": "users", "updates": [{"q": {"a": 1}}]}, 3)
    queries = [json.loads(s["description"]) for s in sentry_transactions[0]["spans"]]
    assert queries == [
        {"find": "users", "filter": {"email": "%s"}, "limit": 1},
        {"aggregate": "users", "pipeline": [{"$match": {"age": "%s"}}, {"$count": "n"}],
         "cursor": "%s"},
        {"update": "users", "updates": "%s"},
    ]  # fmt: skip


def test_values_are_kept_with_send_default_pii(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0, send_default_pii=True)
    tracer = tracer_of_a_new_client()
    with sentry_lite.start_transaction(name="caller"):
        run_command(tracer, dict(INSERT), 1)
    (span,) = sentry_transactions[0]["spans"]
    assert json.loads(span["description"])["documents"] == [{"name": "Ann", "password": "hunter2"}]


def test_a_failed_command_fails_its_span(sentry_init: Any, sentry_transactions: list[Any]) -> None:
    sentry_init(traces_sample_rate=1.0)
    tracer = tracer_of_a_new_client()
    with sentry_lite.start_transaction(name="caller"):
        run_command(tracer, {"drop": "users"}, 1, fail=True)
    (span,) = sentry_transactions[0]["spans"]
    assert span["status"] == "internal_error"


def test_the_listener_does_nothing_without_the_integration(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    tracer = tracer_of_a_new_client()
    sentry_init(traces_sample_rate=1.0, default_integrations=False)
    with sentry_lite.start_transaction(name="caller"):
        run_command(tracer, dict(INSERT), 1)
    assert sentry_transactions[0]["spans"] == []


# -- against a real server, where one is installed ------------------------------------------


@pytest.fixture
def mongod(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("mongod")
    if binary is None:
        pytest.skip("no mongod binary on PATH (MongoDB cannot be installed from PyPI); "
                    "the listener is tested with pymongo's event objects above")  # fmt: skip
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind_ip", "127.0.0.1", "--dbpath", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.skip("mongod did not start")
            time.sleep(0.1)
        yield f"mongodb://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def test_against_a_real_server(
    sentry_init: Any, mongod: str, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    client: Any = pymongo.MongoClient(mongod)
    try:
        with sentry_lite.start_transaction(name="caller"):
            client.app.users.insert_one({"name": "Ann"})
            assert client.app.users.find_one({"name": "Ann"})["name"] == "Ann"
    finally:
        client.close()
    operations = [s["tags"]["db.operation"] for s in sentry_transactions[0]["spans"]]
    assert operations == ["insert", "find"]
