"""Where the time goes: one scenario of the benchmarks under cProfile.

    python benchmarks/profile_metric.py capture_message [--sdk sentry_sdk] [--n 500]

Scenarios: init, capture_message, capture_exception, burst, and every scope
operation of the ``ops`` group (set_tag, add_breadcrumb, new_scope, ...). Only the
caller's thread is profiled (a worker thread's cost needs a sampling profiler such as
``py-spy record --threads``). Profiling inflates cheap calls; read the call counts
and the relative shares, not the absolute times.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import os
import pstats
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import _workloads  # noqa: E402
from _child import make_noop_transport  # noqa: E402
from _server import start_sink  # noqa: E402

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def _prepare(sdk: Any, scenario: str, dsn: str) -> Callable[[], object]:
    if scenario == "init":
        return lambda: sdk.init(dsn=dsn)
    if scenario == "burst":
        sdk.init(dsn=dsn)
    else:
        transport, _ = make_noop_transport(sdk)
        sdk.init(dsn=dsn, transport=transport)
    scope = sdk.get_isolation_scope()
    if scenario == "capture_message":
        _workloads._fill_scope(sdk, scope, tags=0, crumbs=100)
        return lambda: sdk.capture_message("something happened")
    if scenario == "capture_exception":
        _workloads._fill_scope(sdk, scope, tags=10, crumbs=50)
        return lambda: sdk.capture_exception(_workloads.deep_exception())
    if scenario == "burst":
        _workloads._fill_scope(sdk, scope, tags=10, crumbs=50)
        return lambda: sdk.capture_message("burst")
    stmt = _workloads.OPS[scenario]
    code = compile(stmt, scenario, "exec")
    namespace = {
        "sdk": sdk,
        "CRUMB": _workloads.CRUMB,
        "USER": _workloads.USER,
        "TAGS5": _workloads.TAGS5,
        "CONTEXT": _workloads.CONTEXT,
    }
    for _ in range(200):
        sdk.add_breadcrumb(**_workloads.CRUMB)
    return lambda: exec(code, namespace)


def main(argv: list[str] | None = None) -> None:
    scenarios = ["init", "capture_message", "capture_exception", "burst", *_workloads.OPS]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=scenarios)
    parser.add_argument("--sdk", default="sentry_lite")
    parser.add_argument("--n", type=int, default=200, help="calls profiled (init: always 1)")
    parser.add_argument("--sort", default="tottime", help="pstats sort key")
    parser.add_argument("--limit", type=int, default=30)
    args = parser.parse_args(argv)
    sink = start_sink(0)
    sdk = importlib.import_module(args.sdk)
    action = _prepare(sdk, args.scenario, sink.dsn())
    n = 1 if args.scenario == "init" else args.n
    if args.scenario != "init":
        for _ in range(10):  # lazy imports and caches: not what we want to see
            action()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        action()
    profiler.disable()
    print(f"{args.sdk}: {args.scenario} x {n}, caller thread, sorted by {args.sort}")
    stats = pstats.Stats(profiler)
    stats.sort_stats(args.sort).print_stats(args.limit)
    sdk.flush(timeout=5)
    sink.stop()


if __name__ == "__main__":
    main()
