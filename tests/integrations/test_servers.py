"""gunicorn with ``--preload`` and gevent: every worker's events arrive once, across a reload.

Real servers in a subprocess (``server_helpers``), a real loopback sink in the test. With
``--preload`` the app (and ``init()``) runs in the master, which sends an event before it
forks; the workers then deliver their own events, and after SIGHUP (new workers, the old ones
stopped gracefully) the new workers deliver theirs. Under gevent the sender is a green thread.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_helpers import APP, ServerProcess, all_arrived_once, free_port, messages

from sentry_lite._loopback import LoopbackServer

pytest.importorskip("gunicorn")
pytestmark = pytest.mark.servers


@pytest.fixture
def sink() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


def start_gunicorn(tmp_path: Path, sink: LoopbackServer, *flags: str) -> ServerProcess:
    (tmp_path / "sl_app.py").write_text(APP)
    port = free_port()
    argv = [
        sys.executable, "-m", "gunicorn", *flags, "--workers", "2", "--bind", f"127.0.0.1:{port}",
        "--graceful-timeout", "10", "--log-level", "warning", "--chdir", str(tmp_path),
        "sl_app:application",
    ]
    env = {"SL_DSN": sink.dsn, "SL_CAPTURE_AT_IMPORT": "1"}
    # The master stops its workers (see ServerProcess.stop).
    return ServerProcess(argv, env, tmp_path / "gunicorn.log", port, stop_leader_only=True)


def serve_reload_serve(server: ServerProcess, sink: LoopbackServer) -> None:
    server.wait_ready()
    before = server.visit_workers("before", 8)
    assert len(before) == 2, before
    assert all_arrived_once(sink, "before", before), server.log
    server.signal(signal.SIGHUP)  # new workers start; the old ones stop gracefully
    server.wait_new_workers(before)
    after = server.visit_workers("after", 8)
    assert len(after) == 2 and not set(after) & set(before), (before, after)
    assert all_arrived_once(sink, "after", after), server.log


def imports(sink: LoopbackServer) -> list[str]:
    return [e["message"] for e in sink.events if e["message"].startswith("import ")]


def test_gunicorn_preload_delivers_every_worker_once_across_a_reload(
    tmp_path: Path, sink: LoopbackServer
) -> None:
    server = start_gunicorn(tmp_path, sink, "--preload")
    try:
        serve_reload_serve(server, sink)
    finally:
        assert server.stop() == 0, server.log
    # The master's own event, sent before it forked, arrived once: no worker re-sent it.
    assert len(imports(sink)) == 1 and imports(sink)[0] == f"import {server.process.pid}"


def test_gunicorn_gevent_workers_deliver_every_event_once_across_a_reload(
    tmp_path: Path, sink: LoopbackServer
) -> None:
    pytest.importorskip("gevent")
    server = start_gunicorn(tmp_path, sink, "--worker-class", "gevent")
    try:
        serve_reload_serve(server, sink)
    finally:
        assert server.stop() == 0, server.log
    assert len(set(imports(sink))) == len(imports(sink)) == 4  # each worker imports the app


GEVENT_MAIN = """
from gevent import monkey

monkey.patch_all()  # first, as gevent requires

import os
import signal

import gevent
from gevent.pywsgi import WSGIServer

import sl_app  # inits sentry_lite: its sender is now a green thread

server = WSGIServer(("127.0.0.1", int(os.environ["SL_PORT"])), sl_app.application, log=None)
gevent.signal_handler(signal.SIGINT, server.stop)
server.serve_forever()
"""


def test_a_gevent_server_delivers_concurrent_events_once_and_the_rest_at_exit(
    tmp_path: Path, sink: LoopbackServer
) -> None:
    pytest.importorskip("gevent")
    (tmp_path / "sl_app.py").write_text(APP)
    (tmp_path / "sl_gevent_main.py").write_text(GEVENT_MAIN)
    port = free_port()
    argv = [sys.executable, str(tmp_path / "sl_gevent_main.py")]
    env = {"SL_DSN": sink.dsn, "SL_PORT": str(port), "PYTHONPATH": str(tmp_path)}
    server = ServerProcess(argv, env, tmp_path / "gevent.log", port)
    try:
        server.wait_ready()
        handled = server.visit_workers("green", 24, workers=1)
        assert all_arrived_once(sink, "green", handled), server.log
        # The sink now answers slowly: the last events are still queued when the server is
        # told to stop, and go out at exit.
        sink.reply_with(200, delay=0.3)
        late = server.visit_workers("late", 8, workers=1)
        assert sum(messages(sink, "late").values()) < 8  # some still wait in the process
    finally:
        assert server.stop() == 0, server.log
    assert all_arrived_once(sink, "late", late, timeout=1), server.log
