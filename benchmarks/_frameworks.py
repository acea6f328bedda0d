"""Framework overhead: requests per second of a small app with no SDK, sentry_sdk, sentry_lite.

Each run starts a real server on 127.0.0.1 in a fresh process (Flask under gunicorn
with one sync worker, FastAPI under uvicorn with one worker) with ``BENCH_SDK`` naming
the SDK (or ``none``), waits until it answers, drives it with a load generator for a
warm-up and then for the measured duration, stops it (SIGTERM: each SDK flushes at
exit) and reads from the loopback sink how many transactions arrived. ``wrk`` is the
load generator when installed, else ``_loadgen.py`` (Python threads).

The server is pinned to one CPU and the load generator and the sink to the others
(when there are two or more): the SDK's worker thread competes with the app for the
app's core, as it would beside sibling workers on a busy host.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from _server import EnvelopeSink

HERE = os.path.dirname(os.path.abspath(__file__))
APPS_DIR = os.path.join(HERE, "apps")
LOADGEN = os.path.join(HERE, "_loadgen.py")
PATH = "/items/42"
NONE = "none"


def _flask_cmd(port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "sync"),
        *("--bind", f"127.0.0.1:{port}", "--chdir", APPS_DIR, "--log-level", "warning"),
        "flask_app:app",
    ]


def _fastapi_cmd(port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "uvicorn", "fastapi_app:app", "--workers", "1"),
        *("--host", "127.0.0.1", "--port", str(port), "--app-dir", APPS_DIR),
        *("--loop", "asyncio", "--http", "h11", "--log-level", "warning", "--no-access-log"),
    ]


# app -> (label, command for a port, distributions whose versions the report shows)
APPS = {
    "flask": ("Flask (gunicorn, 1 sync worker)", _flask_cmd, ("flask", "gunicorn")),
    "fastapi": ("FastAPI (uvicorn, 1 worker)", _fastapi_cmd, ("fastapi", "uvicorn")),
}


def load_generator() -> str:
    """``wrk`` when it is installed, else ``python`` (``_loadgen.py``)."""
    return "wrk" if shutil.which("wrk") else "python"


def describe_load_generator() -> str:
    if load_generator() == "wrk":
        proc = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
        first = (proc.stdout or proc.stderr).strip().splitlines()
        return first[0].split(" Copyright")[0] if first else "wrk"
    return "python threads (benchmarks/_loadgen.py; wrk not installed)"


def cpu_split() -> tuple[list[int], list[int]] | None:
    """(CPUs for the server, CPUs for the load generator and the sink), or None."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:
        return None
    if len(cpus) < 2 or not shutil.which("taskset"):
        return None
    return cpus[-1:], cpus[:-1]


def _pinned(cmd: list[str], cpus: list[int] | None) -> list[str]:
    if not cpus:
        return cmd
    return ["taskset", "-c", ",".join(map(str, cpus)), *cmd]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _wait_ready(proc: subprocess.Popen[bytes], port: int, timeout: float) -> int:
    """Requests answered until the first 200 (the server exits or times out: an error)."""
    deadline = time.monotonic() + timeout
    answered = 0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            status = _get(port, PATH)
        except OSError:  # not listening yet
            time.sleep(0.1)
            continue
        answered += 1
        if status == 200:
            return answered
        raise RuntimeError(f"server answered {status}")
    raise RuntimeError(f"server not ready after {timeout} s")


# -- load generators ------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"not a wrk latency: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests, rate, latency percentiles and errors from ``wrk --latency`` output."""
    found = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", output)
    rate = re.search(r"Requests/sec:\s*([\d.]+)", output)
    if not found or not rate:
        raise ValueError(f"unexpected wrk output: {output[-500:]!r}")
    result: dict[str, Any] = {
        "requests": int(found.group(1)),
        "duration_s": _ms(found.group(2) + found.group(3)) / 1e3,
        "rps": float(rate.group(1)),
        "errors": 0,
        "non2xx": 0,
    }
    for pct, key in (("50", "latency_p50_ms"), ("99", "latency_p99_ms")):
        match = re.search(rf"^\s*{pct}%\s+(\S+)", output, re.M)
        if match:
            result[key] = _ms(match.group(1))
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
        output,
    )
    if errors:
        result["errors"] = sum(int(n) for n in errors.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        result["non2xx"] = int(non2xx.group(1))
    return result


def drive(
    port: int, duration: int, connections: int, cpus: list[int] | None, env: dict[str, str]
) -> dict[str, Any]:
    """Load the server's route for ``duration`` seconds; the generator's figures."""
    url = f"http://127.0.0.1:{port}{PATH}"
    if load_generator() == "wrk":
        cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
        proc = subprocess.run(
            _pinned(cmd, cpus), capture_output=True, text=True, timeout=duration + 60, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(f"wrk exit {proc.returncode}: {proc.stderr.strip()[-500:]}")
        return parse_wrk(proc.stdout)
    cmd = [sys.executable, LOADGEN, url, str(duration), str(connections)]
    proc = subprocess.run(
        _pinned(cmd, cpus),
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=False,
        env=env,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen exit {proc.returncode}: {proc.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# -- one run --------------------------------------------------------------------------


def _settle(sink: EnvelopeSink, quiet: float = 1.0, timeout: float = 20.0) -> None:
    """Wait until the sink has had no request for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    last, changed = sink.stats()["requests"], time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = sink.stats()["requests"]
        if now != last:
            last, changed = now, time.monotonic()
        elif time.monotonic() - changed >= quiet:
            return


def _stop(proc: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM (graceful: each SDK flushes at exit), then SIGKILL after 30 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    return proc.returncode


def _transaction_shape(envelope: bytes) -> dict[str, Any]:
    """Name, source and op of the last transaction the sink decoded."""
    if not envelope:
        return {}
    from _server import parse_envelope

    _, items = parse_envelope(envelope)
    for header, payload in items:
        if header.get("type") == "transaction":
            event = json.loads(payload)
            return {
                "transaction_name": event.get("transaction"),
                "transaction_source": (event.get("transaction_info") or {}).get("source"),
                "transaction_op": ((event.get("contexts") or {}).get("trace") or {}).get("op"),
                "transaction_status": (
                    ((event.get("contexts") or {}).get("trace") or {}).get("status")
                ),
                "spans": len(event.get("spans") or ()),
            }
    return {}


def run_app(
    app: str,
    sdk: str,
    sink: EnvelopeSink,
    env: dict[str, str],
    params: dict[str, Any],
) -> dict[str, Any]:
    """One server process for ``app`` with ``sdk`` (or ``none``): its measured throughput."""
    _, command, _ = APPS[app]
    split = cpu_split() if params.get("pin", True) else None
    server_cpus, load_cpus = split if split else (None, None)
    port = _free_port()
    child_env = {**env, "BENCH_SDK": sdk, "BENCH_DSN": sink.dsn()}
    if params.get("transport"):
        child_env["BENCH_TRANSPORT"] = params["transport"]
    _settle(sink, quiet=0.2)
    sink.last_transaction_envelope = b""
    before = sink.stats()
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            _pinned(command(port), server_cpus),
            cwd=APPS_DIR,
            env=child_env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            probes = _wait_ready(proc, port, params.get("start_timeout", 60))
            warm = drive(port, params["warmup"], params["connections"], load_cpus, env)
            cpu0 = cpu_seconds(proc.pid)
            window0 = sink.stats()["transactions"]
            result = drive(port, params["duration"], params["connections"], load_cpus, env)
            window1 = sink.stats()["transactions"]
            cpu1 = cpu_seconds(proc.pid)
        except Exception as exc:
            _stop(proc)
            errors.seek(0)
            raise RuntimeError(f"{exc}; server stderr: {errors.read()[-1500:]!r}") from exc
        # what the SDK still holds is sent before the stop (uvicorn re-raises SIGTERM
        # after its shutdown, so no exit-time flush runs there)
        _settle(sink)
        exit_code = _stop(proc)
    _settle(sink)
    after = sink.stats()
    served = probes + warm["requests"] + result["requests"]
    transactions = after["transactions"] - before["transactions"]
    result.update(
        {
            "served": served,
            "transactions": transactions,
            "tx_per_request": transactions / served if served else None,
            # delivered while the load ran: an SDK that falls behind (its CPU time then
            # missing from the window) or drops shows here
            "tx_in_window": (window1 - window0) / result["requests"]
            if result["requests"]
            else None,
            "events": after["events"] - before["events"],
            "sink_requests": after["requests"] - before["requests"],
            "warmup_rps": warm["rps"],
            # CPU time of the server's processes (all threads) per request answered in
            # the measured window: steadier than the rate when other work shares the CPU
            "cpu_us_per_request": (cpu1 - cpu0) / result["requests"] * 1e6
            if result["requests"]
            else None,
            "cpu_share": (cpu1 - cpu0) / result["duration_s"] if result["duration_s"] else None,
            "exit_code": exit_code,
            "pinned": bool(split),
            **_transaction_shape(sink.last_transaction_envelope),
        }
    )
    return result


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:
        return []


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (gunicorn's worker), so far."""
    ticks = 0
    for process in (pid, *_children(pid)):
        try:
            with open(f"/proc/{process}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def pin_thread(native_id: int | None, cpus: list[int] | None) -> list[int] | None:
    """Pin a thread of this process (the sink's); returns its previous CPUs."""
    if native_id is None or not cpus:
        return None
    previous = sorted(os.sched_getaffinity(native_id))
    os.sched_setaffinity(native_id, cpus)
    return previous


# -- one request in-process (profiles and call counts) ------------------------------------


def wsgi_request(app: Any) -> int:
    """One ``GET /items/42`` through a WSGI app, as a server would call it; the status."""
    import io

    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": PATH,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "wrk",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        status.append(line)
        return lambda data: None

    body = app(environ, start_response)
    try:
        for _ in body:
            pass
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return int(status[0].split()[0])


async def asgi_request(app: Any) -> int:
    """One ``GET /items/42`` through an ASGI app, as a server would call it; the status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"wrk"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    status: list[int] = []
    sent = [False]

    async def receive() -> dict[str, Any]:
        if not sent[0]:
            sent[0] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


def load_app(app: str, sdk: str, dsn: str, transport: str = "") -> Any:
    """Import the benchmark's ``app`` in this process with ``sdk`` initialised."""
    os.environ["BENCH_SDK"] = sdk
    os.environ["BENCH_DSN"] = dsn
    if transport:
        os.environ["BENCH_TRANSPORT"] = transport
    if APPS_DIR not in sys.path:
        sys.path.insert(0, APPS_DIR)
    import importlib

    return importlib.import_module(f"{app}_app").app


def request_action(app: str, sdk: str, dsn: str, transport: str = "") -> Any:
    """A callable serving one request in-process through ``app`` (ASGI on one loop)."""
    application = load_app(app, sdk, dsn, transport)
    if app == "flask":
        return lambda: wsgi_request(application)
    import asyncio

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    return lambda: loop.run_until_complete(asgi_request(application))
