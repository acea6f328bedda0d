"""Real pre-fork servers (uWSGI, gunicorn) in a subprocess, and a client that visits every worker.

Each server runs in its own session (process group), its output goes to a file, and
``stop()`` ends the whole group (SIGINT, then SIGKILL after a grace period), so nothing
is left behind even when a test fails.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# The app every server runs: it inits sentry_lite at import, as real apps do, and each
# request captures one event named after the worker (pid) and the request path.
APP = """
import os, time
import sentry_lite

sentry_lite.init(dsn=os.environ["SL_DSN"], shutdown_timeout=5)
if os.environ.get("SL_CAPTURE_AT_IMPORT"):  # the master sends something before it forks
    sentry_lite.capture_message("import " + str(os.getpid()))
    sentry_lite.flush(5)


def application(environ, start_response):
    time.sleep(0.02)  # long enough for concurrent requests to spread over the workers
    sentry_lite.capture_message(str(os.getpid()) + " " + environ["PATH_INFO"])
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class ServerProcess:
    """A server command run in its own process group, with its log in ``log_path``."""

    def __init__(
        self, argv: list[str], env: dict[str, str], log_path: Path, port: int,
        *, stop_leader_only: bool = False,
    ) -> None:
        self.port = port
        self.stop_leader_only = stop_leader_only
        self.log_path = log_path
        self._log = log_path.open("wb")
        full_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path]), **env}
        full_env.pop("SENTRY_DSN", None)
        self.process = subprocess.Popen(
            argv, env=full_env, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def get(self, path: str, timeout: float = 10) -> str:
        url = f"http://127.0.0.1:{self.port}{path}"
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            body: bytes = answer.read()
        return body.decode()

    def wait_ready(self, timeout: float = 20) -> None:
        """Wait until the server answers (its warm-up requests capture ``/ready-N``)."""
        deadline = time.monotonic() + timeout
        attempt = 0
        while True:
            try:
                self.get(f"/ready-{self.process.pid}-{attempt}", timeout=2)
                return
            except OSError:
                attempt += 1
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise AssertionError(f"server did not answer; its log:\n{self.log}") from None
                time.sleep(0.05)

    def visit_workers(
        self, prefix: str, count: int, workers: int = 2, timeout: float = 30
    ) -> Counter[str]:
        """Send ``count`` requests ``/<prefix>-<round>-<i>`` at a time, concurrently, round
        after round until ``workers`` distinct pids answered (or ``timeout`` passed); returns
        how many requests each pid handled.

        Rounds, not a fixed number of requests: nothing makes a server spread a few
        concurrent requests over its workers. A gevent worker accepts as many as come while
        its requests wait (green sleeps), and on a busy machine the worker that is already
        running wins the race to accept, often 32 times in a row (measured)."""
        pids: Counter[str] = Counter()
        deadline = time.monotonic() + timeout
        round_ = 0
        with ThreadPoolExecutor(max_workers=4) as pool:
            while len(pids) < workers and time.monotonic() < deadline:
                paths = [f"/{prefix}-{round_}-{i}" for i in range(count)]
                pids.update(pool.map(self.get, paths))
                round_ += 1
        return pids

    def wait_new_workers(self, old: Counter[str], timeout: float = 20) -> None:
        """After a reload: wait until 6 answers in a row come from pids not in ``old``."""
        deadline = time.monotonic() + timeout
        fresh = attempt = 0
        while fresh < 6:
            attempt += 1
            try:
                fresh = fresh + 1 if self.get(f"/probe-{attempt}", timeout=2) not in old else 0
            except OSError:
                fresh = 0
                time.sleep(0.05)
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(f"no new workers answered; the log:\n{self.log}")

    def stop(self, grace: float = 10) -> int | None:
        """End the whole process group: SIGINT (to the leader alone with
        ``stop_leader_only``), then SIGKILL to the group after ``grace`` seconds.

        gunicorn wants the leader alone: its workers, interrupted directly, exit before the
        master handles its own SIGINT, and the master forks replacements first; a
        replacement still booting (a gevent worker patches for about a second) runs the
        master's inherited signal handlers, so the master's SIGQUIT is lost on it and the
        master waits its whole graceful timeout (measured: 3 stops in 20 hung so, without
        any SDK in the app)."""
        try:
            if self.process.poll() is None:
                if self.stop_leader_only:
                    self.process.send_signal(signal.SIGINT)
                else:
                    os.killpg(self.process.pid, signal.SIGINT)
                try:
                    self.process.wait(grace)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(5)
            else:
                try:  # the leader is gone; its workers may not be
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        finally:
            self._log.close()
        return self.process.returncode


def messages(server: Any, prefix: str) -> Counter[str]:
    """How many times each event whose message has ``/prefix`` in it arrived."""
    return Counter(
        event["message"] for event in server.events if f" /{prefix}-" in event.get("message", "")
    )


def all_arrived_once(server: Any, prefix: str, handled: Counter[str], timeout: float = 15) -> bool:
    """Every request sent with ``prefix`` produced exactly one event, from the pid that
    answered it."""
    total = sum(handled.values())
    server.wait_for(lambda s: sum(messages(s, prefix).values()) >= total, timeout=timeout)
    seen = messages(server, prefix)
    by_pid = Counter(message.split(" ", 1)[0] for message in seen)
    return set(seen.values()) == {1} and by_pid == handled
