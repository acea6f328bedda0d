"""Where the time goes: one scenario of the benchmarks under cProfile.

    python benchmarks/profile_metric.py capture_message [--sdk sentry_sdk] [--n 500]

Scenarios: init, capture_message, capture_exception, burst, delivery (exception
events over HTTP to the loopback sink, flushed every 50), the tracing scenarios
(span_with, span_manual, traced_capture_exception; ``traces_sample_rate=1.0``), one
request through the framework benchmark's apps in-process (flask_request,
fastapi_request; ``--sdk none`` too; ``--transport noop`` drops envelopes) and every
scope operation of the ``ops`` group (set_tag, add_breadcrumb, new_scope, ...).
The caller's thread is profiled; with ``--threads`` so is every thread started
meanwhile (the SDK's worker), each printed on its own. Profiling inflates cheap
calls; read the call counts and the relative shares, not the absolute times.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import os
import pstats
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import _frameworks  # noqa: E402
import _workloads  # noqa: E402
from _child import make_noop_transport  # noqa: E402

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def _prepare(sdk: Any, scenario: str, dsn: str) -> Callable[[], object]:
    if scenario == "init":
        return lambda: sdk.init(dsn=dsn)
    if scenario in ("burst", "delivery"):
        sdk.init(dsn=dsn)
    elif scenario in TRACING:
        transport, _ = make_noop_transport(sdk)
        sdk.init(dsn=dsn, transport=transport, traces_sample_rate=1.0)
        return _prepare_tracing(sdk, scenario)
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
    if scenario == "delivery":
        _workloads._fill_scope(sdk, scope, tags=10, crumbs=50)
        count = [0]

        def deliver() -> None:
            sdk.capture_exception(_workloads.deep_exception())
            count[0] += 1
            if count[0] % 50 == 0:
                sdk.flush(timeout=30)

        return deliver
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


# one GET through the benchmark's app, in-process (the SDK initialised as in the
# framework benchmark: traces_sample_rate=1.0, default integrations)
FRAMEWORK = ("flask_request", "fastapi_request")
TRACING = ("span_with", "span_manual", "traced_capture_exception")


def _prepare_tracing(sdk: Any, scenario: str) -> Callable[[], object]:
    """Spans in transactions of 100 spans (started and finished between them, profiled
    too); the traced capture inside one transaction and span that stay open."""
    if scenario == "traced_capture_exception":
        _workloads._fill_scope(sdk, sdk.get_isolation_scope(), tags=10, crumbs=50)
        sdk.start_transaction(op="task", name="bench-capture").__enter__()
        sdk.start_span(op=_workloads.SPAN_OP, name=_workloads.SPAN_NAME).__enter__()
        return lambda: sdk.capture_exception(_workloads.deep_exception())
    action = _workloads.SPANS[scenario]
    state: list[Any] = [None, 0]

    def span() -> None:
        if state[1] % 100 == 0:
            if state[0] is not None:
                state[0].__exit__(None, None, None)
            state[0] = sdk.start_transaction(op="task", name="bench-spans")
            state[0].__enter__()
        state[1] += 1
        action(sdk)

    return span


_thread_profiles: list[tuple[str, cProfile.Profile]] = []


def _profile_new_threads() -> None:
    """Run every thread started from now on under its own profiler."""
    import threading

    original = threading.Thread.run

    def run(self: threading.Thread) -> None:
        profiler = cProfile.Profile()
        _thread_profiles.append((self.name, profiler))
        profiler.enable()
        try:
            original(self)
        finally:
            profiler.disable()

    threading.Thread.run = run  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    scenarios = ["init", "capture_message", "capture_exception", "burst", "delivery"]
    scenarios += [*TRACING, *FRAMEWORK, *_workloads.OPS]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=scenarios)
    parser.add_argument("--sdk", default="sentry_lite", help="or none (framework scenarios)")
    parser.add_argument(
        "--transport",
        choices=("http", "noop"),
        default="http",
        help="framework scenarios: the SDK's HTTP transport to the sink, or a no-op one",
    )
    parser.add_argument("--n", type=int, default=200, help="calls profiled (init: always 1)")
    parser.add_argument("--sort", default="tottime", help="pstats sort key")
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--threads", action="store_true", help="profile new threads too")
    args = parser.parse_args(argv)
    # the sink runs in its own process, as in the benchmark, so it takes no GIL from the SDK
    sink = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "_server.py"), "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None and sink.stdin is not None
    dsn = f"http://benchkey@127.0.0.1:{int(sink.stdout.readline())}/1"
    if args.threads:
        _profile_new_threads()
    if args.scenario in FRAMEWORK:
        app = args.scenario.partition("_")[0]
        transport = "" if args.transport == "http" else args.transport
        action = _frameworks.request_action(app, args.sdk, dsn, transport)
        sdk = sys.modules.get(args.sdk)
    else:
        sdk = importlib.import_module(args.sdk)
        action = _prepare(sdk, args.scenario, dsn)
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
    if sdk is not None:
        sdk.flush(timeout=30)
    for name, thread_profiler in _thread_profiles:
        if "process_request" in name:  # the sink's own request threads
            continue
        print(f"thread {name!r}, sorted by {args.sort}")
        pstats.Stats(thread_profiler).sort_stats(args.sort).print_stats(args.limit)
    sink.stdin.close()
    sink.wait(10)


if __name__ == "__main__":
    main()
