"""What bounds the framework overhead goal: the Flask app with a *floor* beside the SDKs.

    python benchmarks/floor.py [--rounds N] [--duration S]

Runs the Flask app of the framework benchmark (gunicorn, one sync worker, pinned as in
``_frameworks.py``) with no SDK, with the floor of ``apps/floor_app.py`` (one small
transaction per request, JSON, gzip, one HTTP POST from a thread; serially, pipelined,
and pipelined with lingering), and with sentry_lite and sentry_sdk; prints requests/s, the share of
throughput each loses against no SDK, server CPU per request, and transactions
delivered while the load ran. A diagnostic beside ``run.py``, not part of its report.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import _frameworks  # noqa: E402
from _server import start_sink  # noqa: E402
from run import _child_env  # noqa: E402

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _floor_cmd(port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "sync"),
        *("--bind", f"127.0.0.1:{port}", "--chdir", _frameworks.APPS_DIR),
        *("--log-level", "warning", "floor_app:app"),
    ]


# label -> (app key, BENCH_SDK, BENCH_FLOOR)
CONFIGS = {
    "no SDK": ("flask", "none", ""),
    "floor, serial": ("flask_floor", "none", "serial"),
    "floor, pipelined": ("flask_floor", "none", "pipelined"),
    "floor, pipelined, lingering": ("flask_floor", "none", "lingering"),
    "sentry_lite": ("flask", "sentry_lite", ""),
    "sentry_sdk": ("flask", "sentry_sdk", ""),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=5)
    args = parser.parse_args()
    _frameworks.APPS["flask_floor"] = ("Flask floor", _floor_cmd, ("flask", "gunicorn"))
    cache = tempfile.mkdtemp(prefix="sentry-lite-floor-")
    env = _child_env(cache)
    sink = start_sink("auto")
    split = _frameworks.cpu_split()
    native_id = sink.thread.native_id if sink.thread else None
    _frameworks.pin_thread(native_id, split and split[1])
    params = {"duration": args.duration, "warmup": 2, "connections": 32}
    results: dict[str, list[dict[str, Any]]] = {label: [] for label in CONFIGS}
    order = list(CONFIGS)
    for round_no in range(args.rounds):
        for label in order if round_no % 2 == 0 else reversed(order):
            app, sdk, floor = CONFIGS[label]
            result = _frameworks.run_app(app, sdk, sink, {**env, "BENCH_FLOOR": floor}, params)
            results[label].append(result)
            print(f"  {label}: {result['rps']:.0f} requests/s", file=sys.stderr, flush=True)
    base = statistics.median(r["rps"] for r in results["no SDK"])
    print(f"Flask, gunicorn 1 sync worker, {args.rounds} rounds of {args.duration} s "
          f"(medians); {_frameworks.describe_load_generator()}")
    print()
    print("| configuration | requests/s | throughput lost | server CPU us/request "
          "| transactions per request (during the run) |")
    print("|---|--:|--:|--:|--:|")
    for label, runs in results.items():
        rps = statistics.median(r["rps"] for r in runs)
        cpu = statistics.median(r["cpu_us_per_request"] for r in runs)
        lost = 1 - rps / base
        if label == "no SDK":
            delivered = "-"
        else:
            total = statistics.median(r["tx_per_request"] for r in runs)
            window = statistics.median(r["tx_in_window"] for r in runs)
            delivered = f"{total:.2f} ({window:.2f})"
        print(f"| {label} | {rps:,.0f} | {lost:.1%} | {cpu:,.0f} | {delivered} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
