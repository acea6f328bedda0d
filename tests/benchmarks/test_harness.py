"""The benchmark harness runs end to end and writes well-formed results.

No timing is asserted here (timings belong in benchmarks/, not in tests): only the
shape of the JSON, the deterministic counts and the sink's decoding.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"


def _load(name: str):  # type: ignore[no-untyped-def]
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
