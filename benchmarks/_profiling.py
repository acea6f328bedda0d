"""The profiling workload: what a CPU-bound loop pays while it is profiled at 101 Hz.

One interpreter per run: ``init(traces_sample_rate=1.0, profiles_sample_rate=1.0)`` with a no-op
transport, then ``repeat`` pairs of the same pure-Python loop, once outside any transaction and
once inside a profiled one. As in a server, the loop runs ``depth`` frames down and ``threads``
idle threads wait beside it (a pool), so that each tick has real stacks to read.

The overhead of a pair is the CPU the process spends beside the loop's own thread (the
sampler's work: process CPU minus the loop thread's CPU) while profiled, less the same while
not, over the loop thread's CPU: a measure other processes on the shared machine barely move,
unlike wall time (reported too, as the profiled run's over the plain run's). Medians over
pairs; the run also counts the thread samples the profile holds, and the sampler's CPU per
thread sample.
"""

from __future__ import annotations

import importlib
import json
import threading
import time

from _child import make_noop_transport

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def cpu_loop(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _deep(depth: int, n: int) -> int:
    return cpu_loop(n) if depth <= 1 else _deep(depth - 1, n)


def _timed(n: int, depth: int) -> tuple[float, float, float]:
    """Wall time, the loop thread's CPU, and the CPU of the rest of the process."""
    wall, cpu, own = time.perf_counter(), time.process_time(), time.thread_time()
    _deep(depth, n)
    own = time.thread_time() - own
    return time.perf_counter() - wall, own, time.process_time() - cpu - own


def _idle_pool(count: int) -> tuple[threading.Event, list[threading.Thread]]:
    release = threading.Event()
    pool = [threading.Thread(target=release.wait, name=f"pool-{i}", daemon=True)
            for i in range(count)]
    for thread in pool:
        thread.start()
    return release, pool


def _samples(envelope: Any) -> int:
    for item in envelope.items:
        if item.type == "profile":
            payload = item.payload.json
            if payload is None:
                payload = json.loads(item.payload.get_bytes())
            return len(payload["profile"]["samples"])
    return 0


def profiling_overhead(module: str, params: dict[str, Any]) -> dict[str, Any]:
    sdk = importlib.import_module(module)
    transport, seen = make_noop_transport(sdk)
    sdk.init(dsn=params["dsn"], transport=transport, traces_sample_rate=1.0,
             profiles_sample_rate=1.0)
    n, repeat = params.get("n", 2_000_000), params.get("repeat", 7)
    depth = params.get("depth", 40)
    release, pool = _idle_pool(params.get("threads", 8))
    _timed(n // 10, depth)  # warm-up
    wall_ratios, overheads, rates, per_sample = [], [], [], []
    for _ in range(repeat):
        wall, own, rest = _timed(n, depth)
        with sdk.start_transaction(op="task", name="bench-profile"):
            wall_p, own_p, rest_p = _timed(n, depth)
        wall_ratios.append(wall_p / wall - 1)
        overheads.append((rest_p - rest * own_p / own) / own_p)
        samples = _samples(seen[1]) if seen[1] is not None else 0
        rates.append(samples / wall_p)
        per_sample.append(1e6 * rest_p / samples if samples else 0.0)
    release.set()
    for thread in pool:
        thread.join()
    return {
        "cpu_overhead_pct": 100 * _median(overheads),
        "wall_slowdown_pct": 100 * _median(wall_ratios),
        "samples_per_s": _median(rates),
        "us_per_sample": _median(per_sample),
    }
