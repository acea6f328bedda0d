"""The workloads run by ``_child.py``: each takes the SDK's module name and parameters and
returns a JSON-able dict. Only the SDK's public API is used.

Keep the imports at the top of this module (and of ``_child.py``) to what the interpreter
has loaded anyway: the start-up workload counts the modules and memory the SDK adds.
"""

from __future__ import annotations

import gc
import importlib
import sys
import time

from _child import count_calls, make_noop_transport, rss_bytes, server_last, server_stats

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CRUMB = {
    "category": "http",
    "message": "GET /api/items/42",
    "level": "info",
    "data": {"method": "GET", "url": "https://example.invalid/api/items/42", "status_code": 200},
}
USER = {"id": "42", "email": "jane@example.invalid", "username": "jane"}
TAGS5 = {f"tag{i}": f"value{i}" for i in range(5)}
CONTEXT = {"name": "checkout", "step": 3, "cart": {"items": 2, "total": 19.9}}

# statement run in a timeit loop -> name of the metric
OPS = {
    "set_tag": "sdk.set_tag('key', 'value')",
    "set_tags": "sdk.set_tags(TAGS5)",
    "set_user": "sdk.set_user(USER)",
    "set_extra": "sdk.set_extra('key', 'value')",
    "set_context": "sdk.set_context('ctx', CONTEXT)",
    "add_breadcrumb": "sdk.add_breadcrumb(**CRUMB)",
    "new_scope": "with sdk.new_scope() as scope:\n    scope.set_tag('key', 'value')",
    "isolation_scope": "with sdk.isolation_scope() as scope:\n    scope.set_tag('key', 'value')",
}


def _dive(depth: int, label: str, payload: dict[str, Any], ratio: float) -> None:
    # four locals per frame: the four arguments
    if depth <= 1:
        raise ValueError(f"nothing left at the bottom of {label}")
    _dive(depth - 1, label, payload, ratio)


def deep_exception(depth: int = 20) -> BaseException:
    """A fresh exception raised ``depth`` frames below the frame that catches it."""
    try:
        _dive(depth, "order-1234", {"id": 1234, "items": [1, 2, 3], "paid": False}, 0.25)
    except ValueError as exc:
        return exc
    raise AssertionError("unreachable")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _init(sdk: Any, params: dict[str, Any], noop: bool, **options: Any) -> list[Any] | None:
    if not noop:
        sdk.init(dsn=params["dsn"], **options)
        return None
    transport, seen = make_noop_transport(sdk)
    sdk.init(dsn=params["dsn"], transport=transport, **options)
    return seen


def _fill_scope(sdk: Any, scope: Any, tags: int, crumbs: int) -> None:
    for i in range(tags):
        scope.set_tag(f"tag{i}", f"value{i}")
    for _ in range(crumbs):
        sdk.add_breadcrumb(**CRUMB)


# -- start-up ----------------------------------------------------------------------


# What stays importable under ``hide``: the SDKs, their dependencies, packaging tools.
VISIBLE = frozenset({"sentry_lite", "sentry_sdk", "urllib3", "certifi", "pip", "setuptools"})


def _installed_top_level() -> set[str]:
    """Top-level module names installed in site-packages (the standard library excluded)."""
    import os
    import site

    names = set()
    for directory in {*site.getsitepackages(), site.getusersitepackages()}:
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        for entry in entries:
            if entry.endswith((".dist-info", ".egg-info", ".pth")) or entry == "__pycache__":
                continue
            names.add(entry.split(".")[0])
    return names


class _Hidden:
    """A meta-path finder under which only the SDKs and their dependencies import.

    Both SDKs then see an environment where nothing else is installed (the official SDK
    imports the frameworks and libraries it finds installed).
    """

    names: frozenset[str] = frozenset()

    @classmethod
    def find_spec(cls, name: str, path: Any = None, target: Any = None) -> None:
        if name.partition(".")[0] in cls.names:
            raise ModuleNotFoundError(f"No module named {name!r} (hidden)", name=name)


def startup(module: str, params: dict[str, Any]) -> dict[str, Any]:
    """RSS and modules around ``import`` and ``init()``; with ``count``, Python calls.

    With ``hide``, only the SDKs and their dependencies can be imported from
    site-packages: an environment where nothing else is installed.
    """
    if params.get("hide"):
        _Hidden.names = frozenset(_installed_top_level() - VISIBLE)
        sys.meta_path.insert(0, _Hidden)
    rss0 = rss_bytes()
    before = set(sys.modules)
    if params.get("count"):
        counts = count_calls(lambda: importlib.import_module(module))
        sdk = sys.modules[module]
        after_import = set(sys.modules)
        init_counts = count_calls(lambda: sdk.init(dsn=params["dsn"]))
        return {
            "import_calls": counts,
            "init_calls": init_counts,
            "init_modules": len(set(sys.modules) - after_import),
        }
    sdk = importlib.import_module(module)
    after_import = set(sys.modules)
    start = time.perf_counter()
    sdk.init(dsn=params["dsn"])
    elapsed = time.perf_counter() - start
    rss2 = rss_bytes()
    added = set(sys.modules) - after_import
    return {
        "init_ms": elapsed * 1e3,
        "rss_mb": rss2 / 2**20,
        "rss_added_mb": (rss2 - rss0) / 2**20,
        "import_modules_here": len(after_import - before),
        "init_modules": len(added),
        "init_packages": sorted({name.split(".")[0] for name in added}),
    }


# -- scope operations ----------------------------------------------------------------


def _per_call_ns(stmt: str, namespace: dict[str, Any], target_s: float, repeat: int) -> float:
    import timeit

    timer = timeit.Timer(stmt, globals=namespace)
    number = 64
    while timer.timeit(number) < target_s and number < 10_000_000:
        number *= 2
    # the fastest repeat: noise from other processes only ever adds time
    return min(timer.timeit(number) / number * 1e9 for _ in range(repeat))


def ops(module: str, params: dict[str, Any]) -> dict[str, Any]:
    """ns per call of each scope operation, and Python calls per operation."""
    sdk = importlib.import_module(module)
    _init(sdk, params, noop=True)
    for _ in range(200):  # a full breadcrumb buffer: the steady state
        sdk.add_breadcrumb(**CRUMB)
    namespace = {"sdk": sdk, "CRUMB": CRUMB, "USER": USER, "TAGS5": TAGS5, "CONTEXT": CONTEXT}
    result: dict[str, Any] = {}
    for name, stmt in OPS.items():
        ns = _per_call_ns(stmt, namespace, params.get("target_s", 0.02), params.get("repeat", 5))
        code = compile(stmt, name, "exec")
        counts = count_calls(lambda code=code: exec(code, namespace), times=10)
        # exec() of the statement's module code is one call of ours
        counts["py_calls"] -= 1
        result[name] = {"ns": ns, **counts}
    return result


# statement timed in the caller's thread -> name of the metric (telemetry group)
TELEMETRY = {
    "logger_info": "sdk.logger.info('order {order} paid by {who}', order=42, who='jane')",
    "metrics_count": "sdk.metrics.count('orders.paid', 1, attributes={'plan': 'pro'})",
}


def telemetry(module: str, params: dict[str, Any]) -> dict[str, Any]:
    """CPU ns per call in the caller's thread (the batcher's own thread not counted).

    Each run makes ``n`` calls, timed with ``time.thread_time_ns``; the buffer is then
    flushed (untimed), so that every call takes the normal path, never the overflow one.
    """
    sdk = importlib.import_module(module)
    _init(sdk, params, noop=True)
    n, repeat = params.get("n", 500), params.get("repeat", 5)
    result: dict[str, Any] = {}
    for name, stmt in TELEMETRY.items():
        code = compile(stmt, name, "exec")
        namespace = {"sdk": sdk}
        loop = compile(f"for _ in range({n}):\n    {stmt}", name, "exec")
        best = float("inf")
        for _ in range(repeat + 1):  # the first run warms caches up
            start = time.thread_time_ns()
            exec(loop, namespace)
            best = min(best, (time.thread_time_ns() - start) / n)
            sdk.flush()
        counts = count_calls(lambda code=code, ns=namespace: exec(code, ns), times=10)
        counts["py_calls"] -= 1
        result[name] = {"ns": best, **counts}
        sdk.flush()
    return result


# -- captures ---------------------------------------------------------------------


def _time_calls(action: Any, n: int, warmup: int) -> tuple[float, list[float], float]:
    """(first call, per-call times after warm-up, in µs)."""
    start = time.perf_counter_ns()
    action()
    first = (time.perf_counter_ns() - start) / 1e3
    for _ in range(warmup):
        action()
    times = []
    for _ in range(n):
        start = time.perf_counter_ns()
        action()
        times.append((time.perf_counter_ns() - start) / 1e3)
    return first, times, _median(times)


def capture(module: str, params: dict[str, Any]) -> dict[str, Any]:
    """Time until capture_message / capture_exception return, with a no-op transport."""
    sdk = importlib.import_module(module)
    seen = _init(sdk, params, noop=True)
    assert seen is not None
    n, warmup = params.get("n", 200), params.get("warmup", 20)
    result: dict[str, Any] = {}

    with sdk.isolation_scope() as scope:
        _fill_scope(sdk, scope, tags=0, crumbs=100)
        before = seen[0]
        first, _, median = _time_calls(lambda: sdk.capture_message("something happened"), n, warmup)
        counts = count_calls(lambda: sdk.capture_message("something happened"), times=3)
        result["capture_message"] = {
            "us": median,
            "first_us": first,
            **counts,
            "sent": seen[0] - before,
            "captured": n + warmup + 4,
        }

    with sdk.isolation_scope() as scope:
        _fill_scope(sdk, scope, tags=10, crumbs=50)
        errors = [deep_exception() for _ in range(n + warmup + 4)]
        pending = iter(errors)
        before = seen[0]
        first, _, median = _time_calls(lambda: sdk.capture_exception(next(pending)), n, warmup)
        counts = count_calls(lambda: sdk.capture_exception(next(pending)), times=3)
        result["capture_exception"] = {
            "us": median,
            "first_us": first,
            **counts,
            "sent": seen[0] - before,
            "captured": len(errors),
        }
    return result


# -- tracing ------------------------------------------------------------------------

SPAN_OP, SPAN_NAME = "db.query", "SELECT * FROM items WHERE id = %s"


def span_with(sdk: Any) -> None:
    with sdk.start_span(op=SPAN_OP, name=SPAN_NAME):
        pass


def span_manual(sdk: Any) -> None:
    sdk.start_span(op=SPAN_OP, name=SPAN_NAME).finish()


SPANS = {"span_with": span_with, "span_manual": span_manual}


def _span_ns(sdk: Any, action: Any, per_tx: int, batches: int, repeat: int) -> float:
    """ns per span: the fastest of ``repeat`` runs of ``batches`` transactions.

    Each transaction holds ``per_tx`` spans (well under both SDKs' span limits, so every
    span is recorded); only the spans are timed, not starting or finishing the
    transaction around them.
    """
    best = float("inf")
    for _ in range(repeat):
        total = 0
        for _ in range(batches):
            with sdk.start_transaction(op="task", name="bench-spans"):
                start = time.perf_counter_ns()
                for _ in range(per_tx):
                    action(sdk)
                total += time.perf_counter_ns() - start
        best = min(best, total / (batches * per_tx))
    return best


def tracing(module: str, params: dict[str, Any]) -> dict[str, Any]:
    """start_span + finish per span inside a transaction, and capture_exception inside a
    transaction and a span; ``traces_sample_rate=1.0``, no-op transport."""
    sdk = importlib.import_module(module)
    seen = _init(sdk, params, noop=True, traces_sample_rate=1.0)
    assert seen is not None
    per_tx, batches = params.get("per_tx", 100), params.get("batches", 10)
    repeat = params.get("repeat", 7)
    result: dict[str, Any] = {}
    for name, action in SPANS.items():
        _span_ns(sdk, action, per_tx, 1, 1)  # warm-up: lazy imports, caches
        before = seen[0]
        ns = _span_ns(sdk, action, per_tx, batches, repeat)
        sent = seen[0] - before  # one transaction per batch, each with every span
        spans = len(seen[1].get_transaction_event().get("spans") or ())
        with sdk.start_transaction(op="task", name="bench-count"):
            counts = count_calls(lambda action=action: action(sdk), times=10)
        counts["py_calls"] -= 1  # the call of ``action`` itself is ours
        result[name] = {"ns": ns, **counts, "transactions_sent": sent, "spans_last": spans}

    n, warmup = params.get("n", 200), params.get("warmup", 20)
    with sdk.isolation_scope() as scope:
        _fill_scope(sdk, scope, tags=10, crumbs=50)
        errors = [deep_exception() for _ in range(n + warmup + 4)]
        pending = iter(errors)
        with (
            sdk.start_transaction(op="task", name="bench-capture") as transaction,
            sdk.start_span(op=SPAN_OP, name=SPAN_NAME) as span,
        ):
            before = seen[0]
            first, _, median = _time_calls(lambda: sdk.capture_exception(next(pending)), n, warmup)
            counts = count_calls(lambda: sdk.capture_exception(next(pending)), times=3)
            sent = seen[0] - before
            trace = seen[1].get_event()["contexts"]["trace"]
        linked = trace["span_id"] == span.span_id and trace["trace_id"] == transaction.trace_id
        result["traced_capture_exception"] = {
            "us": median,
            "first_us": first,
            **counts,
            "sent": sent,
            "captured": len(errors),
            "trace_linked": linked,
        }
    return result


# -- frameworks ---------------------------------------------------------------------


def framework_request(module: str, params: dict[str, Any]) -> dict[str, Any]:
    """One request at a time through the framework benchmark's app, in this process.

    ``module`` is the SDK or ``none``; the SDK gets a no-op transport, so the time and
    the Python calls are the request thread's alone (the app, the framework and the SDK).
    """
    import _frameworks

    action = _frameworks.request_action(params["app"], module, params["dsn"], "noop")
    n, warmup = params.get("n", 500), params.get("warmup", 50)
    statuses = {action() for _ in range(3)}
    first, _, median = _time_calls(action, n, warmup)
    counts = count_calls(action, times=20)
    counts["py_calls"] -= 1  # the lambda around the request is ours
    return {"us": median, "first_us": first, **counts, "statuses": sorted(statuses)}


# -- delivery -------------------------------------------------------------------------


def _wait_for_events(port: int, baseline: int, expected: int, timeout: float) -> int:
    """Events the sink got since ``baseline``; waits until ``expected`` or no progress."""
    deadline = time.monotonic() + timeout
    last, last_change = -1, time.monotonic()
    while True:
        got = server_stats(port)["events"] - baseline
        now = time.monotonic()
        if got != last:
            last, last_change = got, now
        if got >= expected or now > deadline or now - last_change > 1.0:
            return got
        time.sleep(0.005)


def _delta(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    return {k: after[k] - before[k] for k in after if isinstance(after[k], int)}


def delivery(module: str, params: dict[str, Any]) -> dict[str, Any]:
    """Sustained delivery over HTTP: chunks that never overflow the queue, flushed."""
    sdk = importlib.import_module(module)
    _init(sdk, params, noop=False)
    port, n, chunk = params["port"], params.get("n", 500), params.get("chunk", 50)
    with sdk.isolation_scope() as scope:
        _fill_scope(sdk, scope, tags=10, crumbs=50)
        for _ in range(5):  # warm-up: lazy imports, the connection
            sdk.capture_exception(deep_exception())
        sdk.flush(timeout=30)
        _wait_for_events(port, 0, 5, 10)
        errors = [deep_exception() for _ in range(n)]
        gc.collect()
        before = server_stats(port)
        caller_us = []
        start = time.perf_counter()
        for first in range(0, n, chunk):
            for exc in errors[first : first + chunk]:
                t0 = time.perf_counter_ns()
                sdk.capture_exception(exc)
                caller_us.append((time.perf_counter_ns() - t0) / 1e3)
            sdk.flush(timeout=30)
        delivered = _wait_for_events(port, before["events"], n, 30)
        elapsed = time.perf_counter() - start
    got = _delta(server_stats(port), before)
    envelopes = max(got["event_envelopes"], 1)
    shape = _event_shape(server_last(port))
    return {
        "events_per_s": delivered / elapsed,
        "delivered": delivered,
        "sent": n,
        "caller_us": _median(caller_us),
        "wire_bytes": got["event_body_bytes"] / envelopes,
        "wire_header_bytes": got["event_header_bytes"] / envelopes,
        "decoded_bytes": got["event_decoded_bytes"] / envelopes,
        "requests": got["requests"],
        "sink_busy_us": got["busy_ns"] / max(got["requests"], 1) / 1e3,
        **shape,
    }


def _event_shape(envelope: bytes) -> dict[str, Any]:
    """The size of the last event envelope at gzip -9, and JSON bytes per top-level key."""
    import json
    import zlib

    from _server import parse_envelope  # not at the top: start-up runs must stay clean

    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    gzip9 = len(compressor.compress(envelope) + compressor.flush())
    event: dict[str, Any] = {}
    if envelope:
        _, items = parse_envelope(envelope)
        event = next((json.loads(p) for h, p in items if h.get("type") == "event"), {})
    keys = {key: len(json.dumps(value, separators=(",", ":"))) for key, value in event.items()}
    return {"gzip9_bytes": gzip9, "event_key_bytes": dict(sorted(keys.items()))}


def burst(module: str, params: dict[str, Any]) -> dict[str, Any]:
    """``n`` captures as fast as the caller can go, then a flush: how many arrive."""
    sdk = importlib.import_module(module)
    _init(sdk, params, noop=False)
    port, n = params["port"], params.get("n", 2000)
    with sdk.isolation_scope() as scope:
        _fill_scope(sdk, scope, tags=10, crumbs=50)
        sdk.capture_message("warm-up")
        sdk.flush(timeout=30)
        _wait_for_events(port, 0, 1, 10)
        before = server_stats(port)
        rss0 = rss_bytes()
        start = time.perf_counter()
        for i in range(n):
            sdk.capture_message(f"burst {i}")
        caller_s = time.perf_counter() - start
        rss1 = rss_bytes()
        sdk.flush(timeout=params.get("flush_timeout", 60))
        delivered = _wait_for_events(port, before["events"], n, 10)
        elapsed = time.perf_counter() - start
    return {
        "delivered": delivered,
        "sent": n,
        "caller_us": caller_s / n * 1e6,
        "until_flushed_s": elapsed,
        "rss_growth_mb": (rss1 - rss0) / 2**20,
    }


# -- leaks -------------------------------------------------------------------------------


def leak(module: str, params: dict[str, Any]) -> dict[str, Any]:
    """tracemalloc growth over the second half of ``n`` captures (no-op transport)."""
    import tracemalloc

    sdk = importlib.import_module(module)
    transport, seen = make_noop_transport(sdk)
    # a short breadcrumb ring turns over often and keeps each event (and the run) small
    sdk.init(dsn=params["dsn"], transport=transport, max_breadcrumbs=params.get("crumbs", 10))
    n = params.get("n", 10_000)
    sdk.set_tag("service", "bench")
    tracemalloc.start()
    marks, blocks = [], []
    for i in range(n):
        sdk.add_breadcrumb(category="step", message=f"step {i}", data={"i": i})
        if i % 10 == 0:
            sdk.capture_exception(deep_exception(3))
        else:
            sdk.capture_message(f"message {i}")
        if i + 1 in (n // 2, n):
            gc.collect()
            marks.append(tracemalloc.get_traced_memory()[0])
            blocks.append(sys.getallocatedblocks())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "growth_bytes": marks[1] - marks[0],
        "per_capture_bytes": (marks[1] - marks[0]) / (n - n // 2),
        "traced_mid_bytes": marks[0],
        "blocks_growth": blocks[1] - blocks[0],
        "peak_bytes": peak,
        "sent": seen[0],
        "captured": n,
    }


def profiling(module: str, params: dict[str, Any]) -> dict[str, Any]:
    """A CPU-bound loop profiled at 101 Hz (see _profiling.py; loaded only for this run)."""
    from _profiling import profiling_overhead

    return profiling_overhead(module, params)


def health(module: str, params: dict[str, Any]) -> dict[str, Any]:
    """Session tracking per request and ``@monitor`` (benchmarks/_health_workloads.py)."""
    from _health_workloads import health as run

    return run(module, params)


def clients(module: str, params: dict[str, Any]) -> dict[str, Any]:
    """Per-call cost of a Redis GET, a SQLAlchemy SELECT 1 and an httpx GET (``_clients``)."""
    import _clients

    return _clients.run(module, params)


def netclients(module: str, params: dict[str, Any]) -> dict[str, Any]:
    """Per-call cost of an aiohttp client GET to loopback (``_netclients``)."""
    import _netclients

    return _netclients.run(module, params)


WORKLOADS = {
    "netclients": netclients,
    "health": health,
    "startup": startup,
    "ops": ops,
    "capture": capture,
    "telemetry": telemetry,
    "tracing": tracing,
    "framework_request": framework_request,
    "delivery": delivery,
    "burst": burst,
    "leak": leak,
    "profiling": profiling,
    "clients": clients,
}
