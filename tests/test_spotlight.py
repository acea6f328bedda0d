"""Spotlight: a copy of every envelope for a sidecar (a loopback server here)."""

from __future__ import annotations

import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import sentry_lite
from sentry_lite import logger
from sentry_lite._spotlight import DEFAULT_SPOTLIGHT_URL, resolve_url
from sentry_lite.envelope import Envelope
from tests.forking import run_in_child


class Sidecar:
    """A stand-in for the Spotlight sidecar: an HTTP server on 127.0.0.1 keeping each POST."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.cond = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with owner.cond:
                    owner.requests.append((self.path, dict(self.headers.items()), body))
                    owner.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def envelopes(self) -> list[Envelope]:
        return [Envelope.deserialize(body) for _, _, body in self.requests]

    @property
    def events(self) -> list[dict[str, Any]]:
        return [i.payload.json for e in self.envelopes for i in e.items if i.type == "event"]

    def wait_for_envelopes(self, count: int) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: len(self.requests) >= count, timeout=10)


@pytest.fixture
def sidecar() -> Any:
    side = Sidecar()
    yield side
    side.server.shutdown()
    side.server.server_close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_the_sidecar_receives_every_envelope_the_dsn_gets(sentry_server: Any,
                                                          sidecar: Any) -> None:
    sentry_lite.init(dsn=sentry_server.dsn, spotlight=sidecar.url + "/stream",
                     traces_sample_rate=1.0)
    sentry_lite.capture_message("one")
    with sentry_lite.start_transaction(name="tx"):
        pass
    logger.info("a log")
    sentry_lite.flush(timeout=10)
    assert sentry_server.wait_for_envelopes(3)
    assert sidecar.wait_for_envelopes(3)
    types = sorted(i.type or "" for e in sidecar.envelopes for i in e.items)
    assert types == ["event", "log", "transaction"]
    assert {path for path, _, _ in sidecar.requests} == {"/stream"}
    assert sidecar.requests[0][1]["Content-Type"] == "application/x-sentry-envelope"
    assert [e["message"] for e in sidecar.events] == ["one"]
    assert sorted(i.type or "" for e in sentry_server.envelopes for i in e.items) == types


def test_a_sidecar_that_is_down_changes_nothing_for_the_dsn(sentry_server: Any,
                                                             capsys: Any) -> None:
    dead = f"http://127.0.0.1:{_free_port()}/stream"
    sentry_lite.init(dsn=sentry_server.dsn, spotlight=dead)
    for n in range(5):
        sentry_lite.capture_message(f"m{n}")
    sentry_lite.flush(timeout=10)
    assert sentry_server.wait_for_events(5)
    assert [e["message"] for e in sentry_server.events] == [f"m{n}" for n in range(5)]
    client = sentry_lite.get_client()
    assert client.spotlight is not None and client.spotlight._failed_at > 0  # it was tried
    assert capsys.readouterr().err == ""  # nothing reached the application


def test_without_a_dsn_events_go_to_spotlight_only(sidecar: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("SENTRY_SPOTLIGHT", sidecar.url + "/stream")
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    sentry_lite.init(sample_rate=0.0)  # as in the official SDK: everything is kept
    sentry_lite.set_user({"ip_address": "10.0.0.1"})
    assert sentry_lite.capture_message("local only") is not None
    sentry_lite.flush(timeout=10)
    assert sidecar.wait_for_envelopes(1)
    (event,) = sidecar.events
    assert event["message"] == "local only" and event["user"]["ip_address"] == "10.0.0.1"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_posts_through_pools_of_its_own(sidecar: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    sentry_lite.init(spotlight=sidecar.url + "/stream")
    sentry_lite.capture_message("parent")
    sentry_lite.flush(timeout=10)
    assert sidecar.wait_for_envelopes(1)
    spotlight = sentry_lite.get_client().spotlight
    assert spotlight is not None
    # the parent's pool lock, held at the fork (as by a parent's thread taking a connection)
    pool_lock = spotlight._http.connection_from_url(sidecar.url).pool.mutex

    def child() -> None:
        sentry_lite.capture_message("child")
        sentry_lite.flush(timeout=10)

    with pool_lock:
        assert run_in_child(child, limit=15) == 0
    assert sidecar.wait_for_envelopes(2)
    assert sorted(e["message"] for e in sidecar.events) == ["child", "parent"]


def test_spotlight_false_or_unset_adds_nothing(sentry_server: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("SENTRY_SPOTLIGHT", "1")
    sentry_lite.init(dsn=sentry_server.dsn, spotlight=False)
    assert sentry_lite.get_client().spotlight is None
    monkeypatch.delenv("SENTRY_SPOTLIGHT")
    sentry_lite.init()
    assert sentry_lite.get_client().transport is None


def test_the_url_follows_the_official_precedence() -> None:
    said: list[str] = []
    assert resolve_url(True, None, said.append) == DEFAULT_SPOTLIGHT_URL
    assert resolve_url(True, "http://x:1/s", said.append) == "http://x:1/s"
    assert resolve_url(None, "yes", said.append) == DEFAULT_SPOTLIGHT_URL
    assert resolve_url(None, "off", said.append) is None
    assert resolve_url(None, None, said.append) is None
    assert resolve_url("http://a/s", None, said.append) == "http://a/s"
    assert said == []
    assert resolve_url(False, "true", said.append) is None
    assert resolve_url("http://a/s", "http://b/s", said.append) == "http://a/s"
    assert len(said) == 2
    with pytest.raises(ValueError, match="spotlight"):
        sentry_lite.init(spotlight=3)
