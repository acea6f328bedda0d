"""A small HTTP load generator, for machines without ``wrk``.

    python benchmarks/_loadgen.py URL DURATION_S CONNECTIONS

One thread per connection, each sending GET requests back to back on a keep-alive
connection (reconnecting when the server closes it) for ``DURATION_S`` seconds; prints
one JSON line with the figures ``wrk`` would give (requests, rps, latency p50/p99,
errors, non-2xx answers). Python threads share one core's worth of interpreter: it
saturates a single-worker Python server, not much more.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
import urllib.parse


def _worker(
    host: str, port: int, path: str, stop_at: float, out: dict[str, list[float] | int]
) -> None:
    latencies: list[float] = []
    errors = non2xx = 0
    conn: http.client.HTTPConnection | None = None
    while True:
        start = time.perf_counter()
        if start >= stop_at:
            break
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=10)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if not 200 <= response.status < 400:
                non2xx += 1
            if response.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            errors += 1
            if conn is not None:
                conn.close()
            conn = None
            continue
        latencies.append((time.perf_counter() - start) * 1e3)
    if conn is not None:
        conn.close()
    out["latencies"] = latencies
    out["errors"] = errors
    out["non2xx"] = non2xx


def run(url: str, duration: float, connections: int) -> dict[str, float | int]:
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path or "/"
    results: list[dict[str, list[float] | int]] = [{} for _ in range(connections)]
    start = time.perf_counter()
    stop_at = start + duration
    threads = [
        threading.Thread(target=_worker, args=(host, port, path, stop_at, results[i]))
        for i in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    latencies = sorted(x for r in results for x in r["latencies"])  # type: ignore[union-attr]
    count = len(latencies)
    return {
        "requests": count,
        "duration_s": elapsed,
        "rps": count / elapsed,
        "latency_p50_ms": latencies[count // 2] if count else 0.0,
        "latency_p99_ms": latencies[min(count - 1, count * 99 // 100)] if count else 0.0,
        "errors": sum(int(r["errors"]) for r in results),  # type: ignore[call-overload]
        "non2xx": sum(int(r["non2xx"]) for r in results),  # type: ignore[call-overload]
    }


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))))
