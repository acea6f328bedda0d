"""The benchmark harness runs end to end and writes well-formed results.

No timing is asserted here (timings belong in benchmarks/, not in tests): only the
shape of the JSON, the deterministic counts and the sink's decoding.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_import_run_writes_well_formed_json(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    cmd = [sys.executable, str(BENCH / "run.py"), "--quick", "--only", "import"]
    proc = subprocess.run(
        [*cmd, "--output", str(output), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(output.read_text())

    assert report["groups"] == ["import"]
    assert report["errors"] == []
    assert report["meta"]["quick"] is True
    assert set(report["meta"]["versions"]) == {"sentry_lite", "sentry_sdk"}
    row = report["metrics"]["import_ms"]
    assert row["unit"] == "ms"
    for sdk in ("sentry_lite", "sentry_sdk"):
        # one round of A, B, B, A: two fresh interpreters per SDK
        assert len(row[sdk]["samples"]) == 2
        assert isinstance(row[sdk]["median"], float)
        assert row[sdk]["counts"]["modules"] >= 1
        assert len(report["raw"]["import"][sdk]) == 2
        assert sdk in report["raw"]["import"][sdk][0]["packages"]
    assert isinstance(row["ratio"], float)
    assert row["met"] in (True, False)
    # metrics of groups that did not run are present but empty
    assert report["metrics"]["capture_message_us"]["sentry_lite"]["median"] is None
    # the table is printed and written beside the JSON
    assert "| import (cumulative -X importtime) | ms |" in proc.stdout
    assert "import (cumulative" in output.with_suffix(".md").read_text()


def test_sink_decodes_gzip_envelopes_and_counts_events() -> None:
    server = _load("_server")
    sink = server.start_sink(0)
    try:
        event = json.dumps({"event_id": "a" * 32, "message": "hi"}).encode()
        envelope = b"\n".join(
            [
                json.dumps({"event_id": "a" * 32}).encode(),
                json.dumps({"type": "event", "length": len(event)}).encode(),
                event,
                b'{"type":"client_report"}',
                b'{"discarded_events":[]}',
            ]
        )
        body = gzip.compress(envelope)
        request = urllib.request.Request(
            f"http://127.0.0.1:{sink.port}/api/1/envelope/",
            data=body,
            headers={"Content-Encoding": "gzip"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        bad = urllib.request.Request(
            f"http://127.0.0.1:{sink.port}/api/1/envelope/", data=b"\x1f\x8bnot gzip"
        )
        try:
            urllib.request.urlopen(bad, timeout=10)
        except urllib.error.HTTPError as exc:
            assert exc.code == 400
        stats = sink.stats()
    finally:
        sink.stop()
    assert stats["requests"] == 2
    assert stats["envelopes"] == 1
    assert stats["bad"] == 1
    assert stats["events"] == 1
    assert stats["items"] == {"event": 1, "client_report": 1}
    assert stats["event_body_bytes"] == len(body)
    assert stats["event_decoded_bytes"] == len(envelope)


WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8000/items/42
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms  850.00us  15.20ms   90.00%
    Req/Sec     1.40k   100.00     1.60k    70.00%
  Latency Distribution
     50%    1.98ms
     75%    2.20ms
     90%    2.60ms
     99%  750.00us
  7012 requests in 5.00s, 4.23MB read
  Socket errors: connect 0, read 3, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:   1402.35
Transfer/sec:    865.23KB
"""


def test_wrk_output_is_parsed() -> None:
    frameworks = _load("_frameworks")
    result = frameworks.parse_wrk(WRK_OUTPUT)
    assert result["requests"] == 7012
    assert result["duration_s"] == 5.0
    assert result["rps"] == 1402.35
    assert result["latency_p50_ms"] == 1.98
    assert result["latency_p99_ms"] == 0.75
    assert result["errors"] == 4
    assert result["non2xx"] == 5


def test_loss_rows_take_the_no_sdk_baseline() -> None:
    report = _load("_report")
    runs = {
        "none": [{"rps": 1000.0}, {"rps": 1200.0}, {"rps": 1100.0}],
        "sentry_lite": [{"rps": 900.0, "tx_per_request": 1.0}],
        "sentry_sdk": [{"rps": 500.0, "tx_per_request": 0.9}],
    }
    thread = {
        "none": [{"us": 100.0, "py_calls": 200.0}],
        "sentry_lite": [{"us": 150.0, "py_calls": 400.0}],
        "sentry_sdk": [{"us": 600.0, "py_calls": 1700.0}],
    }
    sdks = ["sentry_lite", "sentry_sdk"]
    summary = report.summarise({"fw_flask": runs, "fw_flask_thread": thread}, sdks)

    rps = summary["fw_flask_rps"]
    assert rps["baseline"]["median"] == 1100.0
    assert rps["sentry_lite"]["counts"]["transactions arrived per request"] == 1.0
    loss = summary["fw_flask_loss"]
    assert loss["sentry_lite"]["median"] == 200.0
    assert loss["sentry_sdk"]["median"] == 600.0
    assert loss["ratio"] == 200.0 / 600.0
    assert loss["met"] is True  # exactly one third
    added = summary["fw_flask_thread_us"]
    assert added["sentry_lite"]["median"] == 50.0
    assert added["sentry_lite"]["counts"]["py calls"] == 200.0
    assert added["sentry_sdk"]["counts"]["py calls"] == 1500.0
    # the app that did not run has empty rows, and the table leaves them out
    assert summary["fw_fastapi_loss"]["sentry_lite"]["median"] is None
    table = report.render_table(summary, sdks)
    assert "no SDK 1,100 req/s" in table
    assert "lost 18.2% / 54.5%" in table
    assert "FastAPI" not in table
    # two runs of each configuration per round: a ratio per round, from the round's means
    rounds = {
        "none": [{"rps": 1000.0}, {"rps": 1000.0}, {"rps": 900.0}, {"rps": 1100.0}],
        "sentry_lite": [{"rps": 900.0}, {"rps": 900.0}, {"rps": 700.0}, {"rps": 700.0}],
        "sentry_sdk": [{"rps": 600.0}, {"rps": 600.0}, {"rps": 200.0}, {"rps": 200.0}],
    }
    ratios = report.summarise({"fw_flask": rounds}, sdks)["fw_flask_loss"]["round_ratios"]
    assert ratios == [0.25, 0.375]


def test_flask_app_under_load_sends_route_transactions_to_the_sink(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A real gunicorn server with sentry_lite under the load generator; shape only."""
    monkeypatch.syspath_prepend(str(BENCH))  # the harness imports its siblings by name
    frameworks = _load("_frameworks")
    server = _load("_server")
    sink = server.start_sink(0)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    try:
        params = {"duration": 1, "warmup": 1, "connections": 2}
        result = frameworks.run_app("flask", "sentry_lite", sink, env, params)
    finally:
        sink.stop()
    assert result["requests"] > 0
    assert result["errors"] == 0 and result["non2xx"] == 0
    assert result["exit_code"] == 0
    assert result["transactions"] > 0
    assert result["transaction_name"] == "item"  # the endpoint (default transaction_style)
    assert result["transaction_op"] == "http.server"
    assert result["transaction_status"] == "ok"


def test_fastapi_request_in_process_counts_calls() -> None:
    """The frameworks group's in-process request, through the child runner."""
    child = _load("_child")
    params = child.encode_params({"dsn": "http://k@127.0.0.1:9/1", "app": "fastapi", "n": 5})
    results = {}
    for sdk in ("none", "sentry_lite"):
        proc = subprocess.run(
            [sys.executable, str(BENCH / "_child.py"), "framework_request", sdk, params],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        line = next(x for x in proc.stdout.splitlines() if x.startswith("BENCH-RESULT "))
        results[sdk] = json.loads(line.removeprefix("BENCH-RESULT "))
    assert results["none"]["statuses"] == results["sentry_lite"]["statuses"] == [200]
    # the SDK's work happens in the request thread: more Python calls than the bare app
    assert results["sentry_lite"]["py_calls"] > results["none"]["py_calls"] > 0


def test_python_load_generator_keeps_connections_alive() -> None:
    """The fallback when wrk is missing: counts answers, reuses keep-alive connections."""
    import http.server
    import threading

    connections = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            connections.append(1)

        def do_GET(self) -> None:
            body = b'{"ok": true}'
            status = 200 if self.path == "/items/42" else 404
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        loadgen = _load("_loadgen")
        result = loadgen.run(f"http://127.0.0.1:{server.server_port}/items/42", 0.3, 2)
        missing = loadgen.run(f"http://127.0.0.1:{server.server_port}/nope", 0.1, 1)
    finally:
        server.shutdown()
        server.server_close()
    assert result["requests"] > 10
    assert result["errors"] == 0 and result["non2xx"] == 0
    assert len(connections) <= 3  # two for the first run, one for the second
    assert missing["non2xx"] == missing["requests"] > 0
