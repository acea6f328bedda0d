"""sentry_lite against sentry_sdk, side by side: ``python benchmarks/run.py [--quick]``.

Every measurement runs in a fresh interpreter (``_child.py``) that reaches the SDK
only through ``import X as sdk``; the two SDKs are interleaved A, B, B, A in every
round, and the table shows medians, ratios (sentry_lite / sentry_sdk) and the
deterministic counts (modules, Python calls) beside the timings. See
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import _frameworks  # noqa: E402
from _child import encode_params  # noqa: E402
from _report import METRICS, render_table, summarise  # noqa: E402
from _server import start_sink  # noqa: E402

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

CHILD = os.path.join(HERE, "_child.py")
MARKER = "BENCH-RESULT "
FRAMEWORKS = (
    "django",
    "flask",
    "fastapi",
    "starlette",
    "celery",
    "sqlalchemy",
    "redis",
    "httpx",
    "aiohttp",
    "brotli",
)

# group -> (rounds, params), (quick rounds, quick params); a round is A, B, B, A
GROUPS: dict[str, tuple[tuple[int, dict[str, Any]], tuple[int, dict[str, Any]]]] = {
    "import": ((5, {}), (1, {})),
    "startup": ((5, {}), (1, {})),
    "startup_bare": ((5, {"hide": True}), (1, {"hide": True})),
    "ops": ((3, {"target_s": 0.01, "repeat": 7}), (1, {"target_s": 0.002, "repeat": 3})),
    "capture": ((3, {"n": 200, "warmup": 20}), (1, {"n": 20, "warmup": 3})),
    "tracing": (
        (3, {"per_tx": 100, "batches": 10, "repeat": 7, "n": 200, "warmup": 20}),
        (1, {"per_tx": 20, "batches": 2, "repeat": 2, "n": 20, "warmup": 3}),
    ),
    "telemetry": ((3, {"n": 500, "repeat": 7}), (1, {"n": 100, "repeat": 3})),
    "delivery": ((2, {"n": 500, "chunk": 50}), (1, {"n": 50, "chunk": 25})),
    "burst": ((2, {"n": 2000}), (1, {"n": 200})),
    "leak": ((1, {"n": 10_000}), (1, {"n": 500})),
    "profiling": ((3, {"n": 2_000_000, "repeat": 7}), (1, {"n": 300_000, "repeat": 2})),
    "health": ((3, {"target_s": 0.05, "repeat": 5}), (1, {"target_s": 0.005, "repeat": 2})),
    # aiohttp client GET to loopback per call (baseline measured in the same child)
    "netclients": (
        (3, {"per_tx": 100, "batches": 5, "repeat": 5}),
        (1, {"per_tx": 20, "batches": 1, "repeat": 1}),
    ),
    # Redis GET, SQLAlchemy SELECT 1, httpx GET per call; no SDK, B, A, A, B, no SDK
    "clients": (
        (3, {"per_tx": 100, "batches": 5, "repeat": 5}),
        (1, {"per_tx": 20, "batches": 1, "repeat": 1}),
    ),
    # real servers under a load generator (see _frameworks.py); seconds per run
    "frameworks": (
        (3, {"duration": 5, "warmup": 2, "connections": 32}),
        (1, {"duration": 1, "warmup": 1, "connections": 32}),
    ),
}
# the frameworks group's in-process requests (request thread alone): normal, quick
THREAD_PARAMS = {False: {"n": 500, "warmup": 50}, True: {"n": 50, "warmup": 5}}
# groups a run leaves out unless asked for (--frameworks, or --only)
OPTIONAL = ("frameworks",)
# The leak signal is not a timing: one run of sentry_lite. The official SDK needs about
# 25 ms per capture under tracemalloc (6 minutes for 10,000): only with --leak-both.
PATTERN = {"leak": (0,), "clients": (2, 1, 0, 0, 1, 2)}
QUICK_PARAMS = {group: quick[1] for group, (_, quick) in GROUPS.items()}


class Harness:
    def __init__(self, args: argparse.Namespace, cache_dir: str) -> None:
        self.sdks: list[str] = [args.a, args.b]
        self.quick: bool = args.quick
        self.rounds: int | None = args.rounds
        self.leak_both: bool = args.leak_both
        self.env = _child_env(cache_dir)
        self.workdir = cache_dir
        self.sink = start_sink(args.port)
        self.samples: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.errors: list[dict[str, Any]] = []
        self.apps = [a.strip() for a in args.apps.split(",") if a.strip()]
        self.frameworks_transport: str = args.frameworks_transport
        self.frameworks_ran = False

    # -- running children ---------------------------------------------------------

    def _run(self, cmd: list[str], timeout: float = 1800) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            cmd,
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def run_import(self, sdk: str, params: dict[str, Any]) -> dict[str, Any]:
        code = (
            f"import sys; b = set(sys.modules); import {sdk}; print(sorted(set(sys.modules) - b))"
        )
        proc = self._run([sys.executable, "-X", "importtime", "-c", code])
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.strip()[-2000:])
        cumulative = None
        for line in proc.stderr.splitlines():
            if not line.startswith("import time:") or "|" not in line:
                continue
            _, cum, name = line.split("|")
            if name.rstrip() == f" {sdk}":  # the top-level (unindented) entry
                cumulative = int(cum.strip())
        if cumulative is None:
            raise RuntimeError(f"no -X importtime line for {sdk}")
        added = ast.literal_eval(proc.stdout.strip().splitlines()[-1])
        return {
            "import_ms": cumulative / 1e3,
            "modules": len(added),
            "packages": sorted({m.split(".")[0] for m in added}),
        }

    def run_child(
        self, group: str, sdk: str, params: dict[str, Any], workload: str | None = None
    ) -> dict[str, Any]:
        if group == "import":
            return self.run_import(sdk, params)
        params = {"dsn": self.sink.dsn(), "port": self.sink.port, **params}
        workload = workload or ("startup" if group.startswith("startup") else group)
        proc = self._run([sys.executable, CHILD, workload, sdk, encode_params(params)])
        for line in proc.stdout.splitlines():
            if line.startswith(MARKER):
                result: dict[str, Any] = json.loads(line[len(MARKER) :])
                return result
        raise RuntimeError(f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}")

    def sample(
        self,
        group: str,
        sdk: str,
        params: dict[str, Any],
        keep: bool = True,
        runner: Callable[[str, str, dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        try:
            result = (runner or self.run_child)(group, sdk, params)
        except Exception as exc:
            self.errors.append({"group": group, "sdk": sdk, "error": str(exc)})
            _say(f"  {group} {sdk}: FAILED ({str(exc).splitlines()[-1] if str(exc) else exc!r})")
            return
        if keep:
            self.samples.setdefault(group, {}).setdefault(sdk, []).append(result)

    # -- groups ---------------------------------------------------------------------

    def run_group(self, group: str) -> None:
        (rounds, params), (quick_rounds, quick_params) = GROUPS[group]
        if self.quick:
            rounds, params = quick_rounds, quick_params
        if self.rounds is not None and group != "leak":
            rounds = self.rounds
        if group == "frameworks":
            self.run_frameworks(rounds, params)
            return
        pattern = PATTERN.get(group, (0, 1, 1, 0))
        configs = [*self.sdks, "none"]  # index 2: no SDK (a baseline)
        if group == "leak" and self.leak_both:
            pattern = (0, 1)
        started = time.monotonic()
        warm = "warm-up, then " if group != "leak" else ""
        _say(f"[{group}] {warm}{rounds} round(s) of {''.join('ABN'[i] for i in pattern)}")
        if group != "leak":  # the warm-up compiles byte code and fills caches; not kept
            for sdk in self.sdks:
                self.sample(group, sdk, QUICK_PARAMS[group], keep=False)
        for _ in range(rounds):
            for index in pattern:
                self.sample(group, configs[index], params)
        if group.startswith("startup"):  # deterministic counts: once each
            for sdk in self.sdks:
                self.sample(f"{group}_count", sdk, {"count": True, **params})
        _say(f"[{group}] done in {time.monotonic() - started:.1f} s")

    def run_frameworks(self, rounds: int, params: dict[str, Any]) -> None:
        """Per app: a warm-up run of each configuration, then rounds of
        none, B, A, A, B, none (A = sentry_lite, B = sentry_sdk), each a fresh server."""
        a, b = self.sdks
        pattern = (_frameworks.NONE, b, a, a, b, _frameworks.NONE)
        params = {**params, "transport": self.frameworks_transport}
        split = _frameworks.cpu_split()
        # the sink answers the SDKs beside the load generator, off the server's CPU
        sink_thread = self.sink.thread.native_id if self.sink.thread else None
        previous = _frameworks.pin_thread(sink_thread, split and split[1])

        def runner(group: str, config: str, run_params: dict[str, Any]) -> dict[str, Any]:
            app = group.removeprefix("fw_")
            result = _frameworks.run_app(app, config, self.sink, self.env, run_params)
            _say(f"  {app} {config}: {result['rps']:.0f} requests/s")
            return result

        def in_process(group: str, config: str, run_params: dict[str, Any]) -> dict[str, Any]:
            return self.run_child(group, config, run_params, workload="framework_request")

        started = time.monotonic()
        try:
            for app in self.apps:
                group = f"fw_{app}"
                _say(f"[{group}] warm-up, then {rounds} round(s) of {', '.join(pattern)}")
                warm = {**params, **QUICK_PARAMS["frameworks"]}
                for config in pattern[:3]:
                    self.sample(group, config, warm, keep=False, runner=runner)
                for _ in range(rounds):
                    for config in pattern:
                        self.sample(group, config, params, runner=runner)
                # the request thread alone: in-process, no-op transport, one round
                _say(f"[{group}_thread] one round of {', '.join(pattern)}")
                thread = {"app": app, **THREAD_PARAMS[self.quick]}
                for config in pattern:
                    self.sample(f"{group}_thread", config, thread, runner=in_process)
        finally:
            _frameworks.pin_thread(sink_thread, previous)
        self.frameworks_ran = True
        _say(f"[frameworks] done in {time.monotonic() - started:.1f} s")

    def meta(self) -> dict[str, Any]:
        return {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cpus, {platform.platform()}",
            "versions": {sdk: _version(sdk) for sdk in self.sdks},
            "sentry_lite_tree": _git_state(),
            "quick": self.quick,
            "dsn": self.sink.dsn(),
            "dsn_has_port": self.sink.port != 80,
            "frameworks_installed": [f for f in FRAMEWORKS if importlib.util.find_spec(f)],
            "pattern": "each round runs A, B, B, A in fresh interpreters; medians over all runs",
            "frameworks_bench": self.frameworks_meta() if self.frameworks_ran else None,
        }

    def frameworks_meta(self) -> dict[str, Any]:
        params = GROUPS["frameworks"][1 if self.quick else 0][1]
        versions = {dist: _version(dist) for app in self.apps for dist in _frameworks.APPS[app][2]}
        return {
            "load_generator": _frameworks.describe_load_generator(),
            "versions": versions,
            "apps": {app: _frameworks.APPS[app][0] for app in self.apps},
            "connections": params["connections"],
            "duration_s": params["duration"],
            "warmup_s": params["warmup"],
            "pinned": _frameworks.cpu_split(),
            "transport": self.frameworks_transport or "http",
            "route": f"GET {_frameworks.PATH}",
        }


def _child_env(cache_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # cached byte code, as in production
    env["PYTHONPYCACHEPREFIX"] = os.path.join(cache_dir, "pycache")
    env["PYTHONHASHSEED"] = "0"  # stable call counts
    return env


def _version(module: str) -> str | None:
    for dist in (module.replace("_", "-"), module):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _git_state() -> str:
    """The commit of the tree holding these benchmarks, and where sentry_lite is imported from.

    ``tox -e bench`` installs sentry_lite from this tree, uncommitted changes included.
    """
    root = os.path.dirname(HERE)
    spec = importlib.util.find_spec("sentry_lite")
    origin = os.path.dirname(os.path.dirname(spec.origin)) if spec and spec.origin else "?"
    if origin != "?":  # relative to the project, so the report names no machine's paths
        origin = os.path.relpath(origin, root)
    try:
        sha = subprocess.run(
            ["git", "-C", root, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--", "sentry_lite"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"imported from {origin}"
    state = f"{sha}{' + uncommitted changes' if dirty else ''}"
    return f"{state}, imported from {origin}"


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke-test sizes: one round, tiny counts"
    )
    parser.add_argument("--only", default="", help=f"comma-separated groups: {','.join(GROUPS)}")
    parser.add_argument(
        "--frameworks",
        action="store_true",
        help="also run the framework overhead group (real servers under load; minutes)",
    )
    parser.add_argument(
        "--apps", default=",".join(_frameworks.APPS), help="framework group: which apps"
    )
    parser.add_argument(
        "--frameworks-transport",
        choices=("", "noop"),
        default="",
        help="framework group, for diagnosis: noop gives both SDKs a transport that drops "
        "envelopes (the request thread's share of the loss)",
    )
    parser.add_argument("--rounds", type=int, help="rounds of A, B, B, A (default per group)")
    parser.add_argument(
        "--output",
        help="JSON path (default benchmarks/results/latest.json, or "
        "quick.json / partial.json for --quick / --only runs)",
    )
    parser.add_argument(
        "--port",
        default="auto",
        help="sink port; auto = 80 when free (a DSN without a port), else any",
    )
    parser.add_argument(
        "--leak-both", action="store_true", help="run the (slow) leak run for sentry_sdk too"
    )
    parser.add_argument("--a", default="sentry_lite", help=argparse.SUPPRESS)
    parser.add_argument("--b", default="sentry_sdk", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    groups = [g.strip() for g in args.only.split(",") if g.strip()]
    if not groups:
        groups = [g for g in GROUPS if g not in OPTIONAL or (g == "frameworks" and args.frameworks)]
    unknown = [g for g in groups if g not in GROUPS]
    unknown += [f"app {a}" for a in args.apps.split(",") if a.strip() not in _frameworks.APPS]
    if unknown:
        _say(f"unknown group(s): {', '.join(unknown)}; known: {', '.join(GROUPS)}")
        return 2
    name = "quick.json" if args.quick else "partial.json" if args.only else "latest.json"
    output = args.output or os.path.join(HERE, "results", name)
    cache_dir = tempfile.mkdtemp(prefix="sentry-bench-")
    harness = Harness(args, cache_dir)
    try:
        for group in groups:
            harness.run_group(group)
    finally:
        harness.sink.stop()
        shutil.rmtree(cache_dir, ignore_errors=True)
    failed = {(e["group"], e["sdk"]) for e in harness.errors}
    summary = summarise(harness.samples, harness.sdks, failed)
    table = render_table(summary, harness.sdks)
    meta = harness.meta()
    report = {
        "meta": meta,
        "groups": groups,
        "metrics": summary,
        "errors": harness.errors,
        "raw": harness.samples,
    }
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, "w", encoding="utf-8") as out:
        json.dump(report, out, indent=1, sort_keys=False)
        out.write("\n")
    with open(os.path.splitext(output)[0] + ".md", "w", encoding="utf-8") as out:
        out.write(_markdown(meta, table))
    print(_markdown(meta, table))
    print(f"JSON: {output}")
    if harness.errors:
        print(f"{len(harness.errors)} child run(s) failed; see 'errors' in the JSON")
    return 1 if harness.errors else 0


def _markdown(meta: dict[str, Any], table: str) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    modes = sorted({m.mode for m in METRICS if m.mode})
    return (
        f"{versions}; Python {meta['python']}; {meta['machine']}; {meta['date']}"
        f"{' (QUICK: smoke-test sizes, not a measurement)' if meta['quick'] else ''}\n"
        f"sentry_lite tree: {meta['sentry_lite_tree']}\n"
        f"frameworks installed: {', '.join(meta['frameworks_installed']) or 'none'}; "
        f"DSN {meta['dsn']} ({'with' if meta['dsn_has_port'] else 'without'} a port); "
        f"transports: {'; '.join(modes)}\n{_frameworks_line(meta)}\n{table}\n"
    )


def _frameworks_line(meta: dict[str, Any]) -> str:
    bench = meta.get("frameworks_bench")
    if not bench:
        return ""
    versions = ", ".join(f"{k} {v}" for k, v in bench["versions"].items())
    pinned = bench["pinned"]
    where = (
        f"server on CPU {pinned[0]}, load generator and sink on CPU {pinned[1]}"
        if pinned
        else "not pinned"
    )
    noop = "; NO-OP TRANSPORT (diagnosis)" if bench["transport"] == "noop" else ""
    return (
        f"frameworks: {versions}; load generator {bench['load_generator']}, "
        f"{bench['connections']} connections, {bench['warmup_s']} s warm-up + "
        f"{bench['duration_s']} s per run, {bench['route']}; {where}{noop}\n"
    )


if __name__ == "__main__":
    sys.exit(main())
