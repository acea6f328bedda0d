"""What each metric is, where its value comes from, its goal, and how the table looks."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NOOP = "no-op transport (caller-thread cost)"
HTTP = "HTTP to the loopback sink"


class Metric:
    """One row of the table.

    ``path`` locates the value in a child's result of ``group``; ``counts`` are
    ``(label, group, path)`` triples for the deterministic counts shown beside it;
    ``goal`` is ``("<=" | ">=", ratio)`` or ``("lite<=" | "lite>=", absolute)``.

    ``baseline`` names a third configuration of the group (``none``: no SDK) whose
    median the row shows beside the SDKs'. With ``delta="lost"`` the row's value for
    each SDK is the baseline's median minus the SDK's (throughput lost to the SDK);
    with ``delta="added"`` the SDK's minus the baseline's, counts included (time and
    calls the SDK adds).
    """

    def __init__(
        self,
        key: str,
        label: str,
        unit: str,
        group: str,
        path: tuple[str, ...],
        goal: tuple[str, float] | None = None,
        counts: tuple[tuple[str, str, tuple[str, ...]], ...] = (),
        mode: str = "",
        baseline: str | None = None,
        delta: str | None = None,
        goal_label: str | None = None,
    ) -> None:
        self.key, self.label, self.unit, self.group, self.path = key, label, unit, group, path
        self.goal, self.counts, self.mode = goal, counts, mode
        self.baseline, self.delta, self.goal_label = baseline, delta, goal_label


def _op(name: str, label: str, goal: float) -> Metric:
    return Metric(
        f"{name}_ns",
        label,
        "ns",
        "ops",
        (name, "ns"),
        ("<=", goal),
        (("py calls", "ops", (name, "py_calls")),),
        NOOP,
    )


METRICS = [
    Metric(
        "import_ms",
        "import (cumulative -X importtime)",
        "ms",
        "import",
        ("import_ms",),
        ("<=", 0.10),
        (
            ("modules", "import", ("modules",)),
            ("py calls", "startup_count", ("import_calls", "py_calls")),
        ),
    ),
    Metric(
        "init_ms",
        "init() with default options",
        "ms",
        "startup",
        ("init_ms",),
        ("<=", 0.5),
        (
            ("modules", "startup", ("init_modules",)),
            ("py calls", "startup_count", ("init_calls", "py_calls")),
        ),
        HTTP,
    ),
    Metric("rss_mb", "RSS after import + init()", "MB", "startup", ("rss_mb",), ("<=", 0.5)),
    Metric("rss_added_mb", "  of which import + init() added", "MB", "startup", ("rss_added_mb",)),
    Metric(
        "init_bare_ms",
        "init(), nothing else installed",
        "ms",
        "startup_bare",
        ("init_ms",),
        ("<=", 0.5),
        (
            ("modules", "startup_bare", ("init_modules",)),
            ("py calls", "startup_bare_count", ("init_calls", "py_calls")),
        ),
        HTTP,
    ),
    Metric(
        "rss_bare_mb",
        "RSS after import + init(), nothing else installed",
        "MB",
        "startup_bare",
        ("rss_mb",),
        ("<=", 0.5),
    ),
    _op("set_tag", "set_tag", 0.5),
    _op("set_tags", "set_tags (5 tags)", 0.5),
    _op("set_user", "set_user", 0.5),
    _op("set_extra", "set_extra", 0.5),
    _op("set_context", "set_context", 0.5),
    _op("add_breadcrumb", "add_breadcrumb with data", 0.3),
    _op("new_scope", "with new_scope(): set_tag", 0.5),
    _op("isolation_scope", "with isolation_scope(): set_tag", 0.5),
    Metric("logger_info_ns", "logger.info, 2 parameters (caller's thread CPU)", "ns",
           "telemetry", ("logger_info", "ns"), ("<=", 0.5),
           (("py calls", "telemetry", ("logger_info", "py_calls")),), NOOP),
    Metric("metrics_count_ns", "metrics.count, 1 attribute (caller's thread CPU)", "ns",
           "telemetry", ("metrics_count", "ns"), ("<=", 0.5),
           (("py calls", "telemetry", ("metrics_count", "py_calls")),), NOOP),
    Metric(
        "capture_message_us",
        "capture_message, 100 breadcrumbs",
        "us",
        "capture",
        ("capture_message", "us"),
        ("<=", 0.05),
        (("py calls", "capture", ("capture_message", "py_calls")),),
        NOOP,
    ),
    Metric(
        "capture_exception_us",
        "capture_exception, 20 frames, 10 tags, 50 crumbs",
        "us",
        "capture",
        ("capture_exception", "us"),
        ("<=", 0.1),
        (("py calls", "capture", ("capture_exception", "py_calls")),),
        NOOP,
    ),
    Metric(
        "span_with_ns",
        "tracing: with start_span(): (in a transaction)",
        "ns",
        "tracing",
        ("span_with", "ns"),
        ("<=", 0.5),
        (("py calls", "tracing", ("span_with", "py_calls")),),
        NOOP,
    ),
    Metric(
        "span_manual_ns",
        "tracing: start_span().finish() (in a transaction)",
        "ns",
        "tracing",
        ("span_manual", "ns"),
        ("<=", 0.5),
        (("py calls", "tracing", ("span_manual", "py_calls")),),
        NOOP,
    ),
    Metric(
        "traced_capture_exception_us",
        "tracing: capture_exception in a transaction and span",
        "us",
        "tracing",
        ("traced_capture_exception", "us"),
        ("<=", 0.5),
        (
            ("py calls", "tracing", ("traced_capture_exception", "py_calls")),
            ("events in the span's trace", "tracing", ("traced_capture_exception", "trace_linked")),
        ),
        NOOP,
    ),
    Metric(
        "delivery_eps",
        "sustained delivery (exception events)",
        "events/s",
        "delivery",
        ("events_per_s",),
        (">=", 5.0),
        (("delivered", "delivery", ("delivered",)),),
        HTTP,
    ),
    Metric(
        "delivery_caller_us",
        "  capture_exception while delivering",
        "us",
        "delivery",
        ("caller_us",),
        None,
        (),
        HTTP,
    ),
    Metric(
        "wire_bytes",
        "bytes on the wire per event (body)",
        "bytes",
        "delivery",
        ("wire_bytes",),
        ("<=", 1.0),
        (
            ("at gzip -9", "delivery", ("gzip9_bytes",)),
            ("uncompressed", "delivery", ("decoded_bytes",)),
        ),
        HTTP,
    ),
    Metric(
        "burst_delivered",
        "burst: events arriving of those sent",
        "events",
        "burst",
        ("delivered",),
        ("lite>=sent", 1.0),
        (("sent", "burst", ("sent",)),),
        HTTP,
    ),
    Metric(
        "burst_rss_mb",
        "  RSS growth during the burst",
        "MB",
        "burst",
        ("rss_growth_mb",),
        None,
        (),
        HTTP,
    ),
    Metric(
        "leak_bytes",
        "tracemalloc growth, 2nd half of captures",
        "bytes",
        "leak",
        ("growth_bytes",),
        ("lite<=", 16384.0),
        (("captures", "leak", ("captured",)), ("alloc blocks", "leak", ("blocks_growth",))),
        NOOP,
    ),
    Metric(
        "profiling_cpu_pct",
        "profiling at 101 Hz: CPU overhead, deep CPU-bound loop + 8 idle threads",
        "%",
        "profiling",
        ("cpu_overhead_pct",),
        ("<=", 0.5),
        (
            ("wall slowdown %", "profiling", ("wall_slowdown_pct",)),
            ("thread samples/s", "profiling", ("samples_per_s",)),
            ("sampler CPU us/thread sample", "profiling", ("us_per_sample",)),
        ),
        NOOP,
    ),
    Metric(
        "session_request_ns",
        "release health: a request's session (track_session, request mode)",
        "ns",
        "health",
        ("session_added", "ns"),
        ("<=", 0.5),
        (
            ("py calls", "health", ("session_added", "py_calls")),
            ("WSGI request: ns added", "health", ("wsgi_session_added", "ns")),
            ("py calls added", "health", ("wsgi_session_added", "py_calls")),
        ),
        NOOP,
    ),
    Metric(
        "monitor_us",
        "crons: @monitor around an empty function (2 check-ins)",
        "us",
        "health",
        ("monitor", "us"),
        ("<=", 0.5),
        (("py calls", "health", ("monitor", "py_calls")),),
        NOOP,
    ),
]


def _framework(app: str, label: str) -> list[Metric]:
    """Requests per second of ``app`` (no SDK beside), and the throughput each SDK costs."""
    group = f"fw_{app}"
    return [
        Metric(
            f"{group}_rps",
            f"{label}: requests/s",
            "req/s",
            group,
            ("rps",),
            None,
            (
                ("transactions arrived per request", group, ("tx_per_request",)),
                ("during the measured run", group, ("tx_in_window",)),
            ),
            HTTP,
            baseline="none",
        ),
        Metric(
            f"{group}_loss",
            "  requests/s lost to the SDK",
            "req/s",
            group,
            ("rps",),
            ("<=", 1 / 3),
            (),
            HTTP,
            baseline="none",
            delta="lost",
            goal_label="<= 1/3",
        ),
        Metric(
            f"{group}_cpu",
            "  server CPU time per request",
            "us",
            group,
            ("cpu_us_per_request",),
            None,
            (),
            HTTP,
            baseline="none",
            delta="added",
        ),
        Metric(
            f"{group}_thread_us",
            "  in-process request: time the SDK adds to the request thread",
            "us",
            f"{group}_thread",
            ("us",),
            None,
            (("py calls", f"{group}_thread", ("py_calls",)),),
            NOOP,
            baseline="none",
            delta="added",
        ),
    ]


METRICS += [
    *_framework("flask", "Flask, gunicorn 1 sync worker"),
    *_framework("fastapi", "FastAPI, uvicorn 1 worker"),
]




def _client_call(name: str, label: str) -> list[Metric]:
    """Per-call time of a client library call (no SDK beside), and the time each SDK adds."""
    counts = (("py calls", "clients", (name, "py_calls")),)
    return [
        Metric(f"clients_{name}_us", f"{label}: per call", "us", "clients", (name, "us"),
               None, counts, NOOP, baseline="none"),
        Metric(f"clients_{name}_added", "  time the SDK adds per call", "us", "clients",
               (name, "us"), ("<=", 0.5), counts, NOOP, baseline="none", delta="added"),
    ]


METRICS += [
    *_client_call("redis_get", "Redis GET (redis-py, redis-server on 127.0.0.1)"),
    *_client_call("sqlalchemy_select", "SQLAlchemy SELECT 1 (SQLite in memory)"),
    *_client_call("django_select", "Django cursor SELECT %s (SQLite in memory)"),
    *_client_call("httpx_get", "httpx GET to a loopback HTTP server"),
    Metric("netclients_aiohttp_get_us", "aiohttp client GET to loopback: per call", "us",
           "netclients", ("aiohttp_get", "us"), None,
           (("py calls", "netclients", ("aiohttp_get", "py_calls")),), NOOP),
    Metric("netclients_aiohttp_get_base_us", "  the same GET, session made before init()",
           "us", "netclients", ("aiohttp_get", "base_us"), None,
           (("py calls", "netclients", ("aiohttp_get", "base_py_calls")),), NOOP),
    Metric("netclients_aiohttp_get_added_us", "  time the SDK adds per call", "us",
           "netclients", ("aiohttp_get", "added_us"), ("<=", 0.5),
           (("py calls", "netclients", ("aiohttp_get", "added_py_calls")),), NOOP),
]


def dig(result: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = result
    for key in path:
        value = value[key]
    return value


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _values(samples: list[dict[str, Any]], path: tuple[str, ...]) -> list[float]:
    values = []
    for sample in samples:
        try:
            values.append(float(dig(sample, path)))
        except (KeyError, TypeError, ValueError):
            continue
    return values


def summarise(
    samples: dict[str, dict[str, list[dict[str, Any]]]],
    sdks: list[str],
    failed: set[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """Per metric: medians, samples, counts, ratio and whether the goal is met."""
    lite, official = sdks
    out: dict[str, Any] = {}
    for metric in METRICS:
        row: dict[str, Any] = {
            "label": metric.label.strip(),
            "unit": metric.unit,
            "mode": metric.mode,
        }
        base, base_counts = None, {}
        if metric.baseline is not None:
            runs = samples.get(metric.group, {}).get(metric.baseline, [])
            base = median(_values(runs, metric.path))
            base_counts = {
                label: median(_values(samples.get(group, {}).get(metric.baseline, []), path))
                for label, group, path in metric.counts
            }
            row["baseline"] = {"name": metric.baseline, "median": base, "counts": base_counts}
        for sdk in sdks:
            values = _values(samples.get(metric.group, {}).get(sdk, []), metric.path)
            counts = {
                label: median(_values(samples.get(group, {}).get(sdk, []), path))
                for label, group, path in metric.counts
            }
            if metric.delta is not None:
                values = _delta(metric.delta, base, values)
            if metric.delta == "added":
                counts = {k: _delta1(v, base_counts.get(k)) for k, v in counts.items()}
            status = "ok" if values else "not run"
            if not values and (metric.group, sdk) in (failed or set()):
                status = "error"
            row[sdk] = {"median": median(values), "samples": values, "counts": counts}
            row[sdk]["status"] = status
        a, b = row[lite]["median"], row[official]["median"]
        row["ratio"] = a / b if a is not None and b else None
        if metric.delta is not None and (b is None or b <= 0):
            row["ratio"] = None  # the official SDK cost nothing measurable: no ratio
        if metric.delta == "lost" and metric.baseline is not None:
            row["round_ratios"] = _round_ratios(
                samples.get(metric.group, {}), metric.baseline, sdks, metric.path
            )
        row["goal"] = metric.goal_label or _goal_text(metric.goal)
        row["met"] = _met(metric.goal, row["ratio"], row[lite])
        out[metric.key] = row
    return out


def _round_ratios(
    runs: dict[str, list[dict[str, Any]]], baseline: str, sdks: list[str], path: tuple[str, ...]
) -> list[float]:
    """Per round (two runs of each configuration, none B A A B none): the loss ratio of
    the round's means. Beside the ratio of medians, it shows how much the rounds agree."""
    base, lite, official = (_values(runs.get(name, []), path) for name in (baseline, *sdks))
    rounds = min(len(base), len(lite), len(official)) // 2
    ratios = []
    for r in range(rounds):
        b, a, o = (sum(v[2 * r : 2 * r + 2]) / 2 for v in (base, lite, official))
        if b > o:
            ratios.append((b - a) / (b - o))
    return ratios


def _delta(kind: str, base: float | None, values: list[float]) -> list[float]:
    if base is None:
        return []
    return [base - v for v in values] if kind == "lost" else [v - base for v in values]


def _delta1(value: float | None, base: float | None) -> float | None:
    return None if value is None or base is None else value - base


def _goal_text(goal: tuple[str, float] | None) -> str:
    if goal is None:
        return ""
    op, value = goal
    if op == "lite>=sent":
        return "all arrive"
    if op.startswith("lite"):
        return f"{op[4:]} {value:g} (absolute)"
    return f"{op} {value:g}"


def _met(goal: tuple[str, float] | None, ratio: float | None, lite: dict[str, Any]) -> bool | None:
    if goal is None:
        return None
    op, value = goal
    if op == "lite>=sent":
        sent = lite["counts"].get("sent")
        return None if lite["median"] is None or sent is None else lite["median"] >= sent
    if op.startswith("lite"):
        got = lite["median"]
        if got is None:
            return None
        return got <= value if op == "lite<=" else got >= value
    if ratio is None:
        return None
    return ratio <= value if op == "<=" else ratio >= value


def _fmt(value: float | None, status: str = "error") -> str:
    if value is None:
        return status
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _baseline_text(metric: Metric, row: dict[str, Any], sdks: list[str]) -> str:
    base = (row.get("baseline") or {}).get("median")
    if metric.baseline is None or base is None:
        return ""
    if metric.delta is None:
        return f"no SDK {_fmt(base)} {metric.unit};"
    if metric.delta == "added":
        counts = row["baseline"]["counts"]
        calls = "".join(f", {label} {_fmt(counts[label], '-')}" for label in counts)
        return f"no SDK {_fmt(base)} {metric.unit}{calls}{'; added:' if counts else ''}"
    shares = [row[sdk]["median"] for sdk in sdks]
    if base <= 0 or any(share is None for share in shares):
        return ""
    lost = " / ".join(f"{share / base:.1%}" for share in shares)
    # the time per request the SDK adds at these rates: 1/rps(sdk) - 1/rps(none)
    per_request = " / ".join(
        f"{1e6 / (base - share) - 1e6 / base:,.0f}" if base > share else "-" for share in shares
    )
    rounds = ", ".join(f"{ratio:.2f}" for ratio in row.get("round_ratios") or ())
    return f"lost {lost}; us added per request {per_request}; ratio per round {rounds}"


def render_table(summary: dict[str, Any], sdks: list[str]) -> str:
    """A Markdown table (readable as plain text too)."""
    lite, official = sdks
    lines = [
        f"| metric | unit | {lite} | {official} | ratio | goal | met "
        f"| counts ({lite} / {official}) |",
        "|---|---|--:|--:|--:|---|---|---|",
    ]
    for metric in METRICS:
        row = summary[metric.key]
        if row[lite]["median"] is None and row[official]["median"] is None:
            continue
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.3g}"
        met = {True: "yes", False: "**no**", None: ""}[row["met"]]
        counts = "; ".join(
            f"{label} {_fmt(row[lite]['counts'][label], '-')} / "
            f"{_fmt(row[official]['counts'][label], '-')}"
            for label, _, _ in metric.counts
        )
        counts = " ".join(filter(None, (_baseline_text(metric, row, sdks), counts)))
        lines.append(
            f"| {metric.label.replace('  ', '&nbsp;&nbsp;')} | {metric.unit} "
            f"| {_fmt(row[lite]['median'], row[lite]['status'])} "
            f"| {_fmt(row[official]['median'], row[official]['status'])} | {ratio} "
            f"| {row['goal']} | {met} | {counts} |"
        )
    return "\n".join(lines)
