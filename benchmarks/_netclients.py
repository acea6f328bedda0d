"""The ``netclients`` workload: what an aiohttp client ``GET`` to loopback costs with each SDK.

A keep-alive HTTP server runs in another process on 127.0.0.1 (called as ``localhost``).
In the child, aiohttp is imported before ``init()`` (so both SDKs enable their integration),
then two sessions
are made: one *before* ``init()`` (no trace config: the baseline, which goes through no
SDK code on the client path) and one after (instrumented). Batches of ``per_tx`` GETs
alternate between them, every batch inside a transaction (``traces_sample_rate=1.0``, a
no-op transport), so the instrumented GETs each make their span, breadcrumb and headers.
Reported per call, in µs: the instrumented GET, the baseline GET, and the difference
(the time the SDK adds), each the best of ``repeat`` runs.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import subprocess
import sys
import time

from _child import CallCounter, make_noop_transport

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SERVER = """
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


async def _batch(sdk: Any, session: Any, url: str, per_tx: int) -> int:
    with sdk.start_transaction(op="task", name="bench-netclients"):
        start = time.perf_counter_ns()
        for _ in range(per_tx):
            async with session.get(url) as response:
                await response.read()
        return time.perf_counter_ns() - start


async def _measure(sdk: Any, url: str, params: dict[str, Any]) -> dict[str, float]:
    import aiohttp

    per_tx, batches, repeat = params["per_tx"], params["batches"], params["repeat"]
    plain = aiohttp.ClientSession()  # made before init(): never instrumented
    sdk.init(dsn=params["dsn"], transport=make_noop_transport(sdk)[0], traces_sample_rate=1.0)
    traced = aiohttp.ClientSession()
    try:
        for session in (plain, traced):  # warm-up: connections, caches
            await _batch(sdk, session, url, per_tx)
        best = {"plain": float("inf"), "traced": float("inf")}
        for _ in range(repeat):
            totals = {"plain": 0, "traced": 0}
            for _ in range(batches):
                totals["plain"] += await _batch(sdk, plain, url, per_tx)
                totals["traced"] += await _batch(sdk, traced, url, per_tx)
            for key, total in totals.items():
                best[key] = min(best[key], total / (batches * per_tx) / 1e3)
        calls = {key: await _calls(sdk, session, url) for key, session in
                 (("plain", plain), ("traced", traced))}  # fmt: skip
    finally:
        await plain.close()
        await traced.close()
    return {"us": best["traced"], "base_us": best["plain"],
            "added_us": best["traced"] - best["plain"],
            "py_calls": calls["traced"], "base_py_calls": calls["plain"],
            "added_py_calls": calls["traced"] - calls["plain"]}  # fmt: skip


async def _calls(sdk: Any, session: Any, url: str, n: int = 20) -> float:
    """Python calls (coroutine resumes included) per GET: deterministic, unlike the time."""
    with sdk.start_transaction(op="task", name="bench-count"), CallCounter() as counter:
        for _ in range(n):
            async with session.get(url) as response:
                await response.read()
    return counter.calls / n


def run(module: str, params: dict[str, Any]) -> dict[str, Any]:
    if not importlib.util.find_spec("aiohttp"):
        return {}
    importlib.import_module("aiohttp")  # before init(), for both SDKs
    sdk = importlib.import_module(module)
    process = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        # "localhost", not 127.0.0.1: the sink's DSN names 127.0.0.1, and the official SDK
        # takes any URL containing the DSN's host for Sentry's own (no trace headers then).
        url = f"http://localhost:{int(process.stdout.readline())}/item?id=1"
        return {"aiohttp_get": asyncio.run(_measure(sdk, url, params))}
    finally:
        process.terminate()
        process.wait(10)
