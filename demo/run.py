"""``./run demo``: start a local Bugsink, run demo/app.py against it, show what the server stored.

    ./run demo            Bugsink on 127.0.0.1 (installed once into .bugsink/); stays up until
                          Ctrl-C when run from a terminal, so that you can browse the events
    ./run demo --print    no Bugsink: sentry_lite's LoopbackServer (a test server on 127.0.0.1)
                          receives the envelopes and they are printed
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "e2e"))

# tests/e2e/bugsink_server.py: the same harness as the end-to-end tests
import bugsink_server  # noqa: E402


def run_app(dsn: str) -> int:
    env = dict(os.environ, SENTRY_DSN=dsn, PYTHONUNBUFFERED="1")
    print(f"\n$ SENTRY_DSN={dsn} python demo/app.py", flush=True)
    done = subprocess.run([sys.executable, str(HERE / "app.py")], env=env,
                          stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        print(f"(demo/app.py exited with status {done.returncode})")
    return done.returncode


def _frames(event: dict[str, Any]) -> list[dict[str, Any]]:
    values = (event.get("exception") or {}).get("values") or []
    stacktraces = [value.get("stacktrace") or {} for value in values]
    return [frame for stacktrace in stacktraces for frame in stacktrace.get("frames", [])]


def _describe(number: int, title: str, event: dict[str, Any]) -> list[str]:
    values = (event.get("exception") or {}).get("values") or []
    crumbs = event.get("breadcrumbs") or {}
    crumbs = crumbs.get("values", []) if isinstance(crumbs, dict) else crumbs
    lines = [f"{number}. [{event.get('level', '?')}] {title}"]
    if len(values) > 1:
        chain = " <- ".join(f"{value.get('type')}" for value in reversed(values))
        lines.append(f"   chain:       {chain}  (newest first)")
    if values:
        mechanism = values[-1].get("mechanism") or {}
        lines.append(f"   handled:     {mechanism.get('handled')} ({mechanism.get('type')})")
    frames = _frames(event)
    if frames:
        last = frames[-1]
        lines.append(f"   frames:      {len(frames)}, raised in {last.get('function')}() at "
                     f"{last.get('filename')}:{last.get('lineno')}")
    lines.append(f"   tags:        {event.get('tags')}")
    lines.append(f"   user:        {event.get('user')}")
    lines.append(f"   contexts:    {', '.join(sorted(event.get('contexts') or {}))}")
    lines.append(f"   breadcrumbs: {len(crumbs)}"
                 + (f", last: {crumbs[-1].get('message')!r}" if crumbs else ""))
    lines.append(f"   release:     {event.get('release')}  environment: {event.get('environment')}"
                 f"  sdk: {(event.get('sdk') or {}).get('name')}")
    return lines


def _title(event: dict[str, Any]) -> str:
    values = (event.get("exception") or {}).get("values") or []
    if values:
        return f"{values[-1].get('type')}: {values[-1].get('value')}"
    return str((event.get("logentry") or {}).get("formatted") or event.get("message"))


def print_summary(server: bugsink_server.Bugsink) -> None:
    events = server.events()
    print(f"\nBugsink stored {len(events)} events:")
    for number, stored in enumerate(events, 1):
        print("\n".join(_describe(number, stored.title, stored.data)))


def wait_for_ctrl_c(server: bugsink_server.Bugsink) -> None:
    print(f"\nBrowse them at {server.base_url}/issues/{server.project_id}/  "
          f"(login {server.username} / {server.password}). Ctrl-C stops the server.")
    try:
        while server.is_alive():
            time.sleep(0.5)
        print("Bugsink stopped by itself:\n" + server.log_tail())
    except KeyboardInterrupt:
        print()


def demo_bugsink() -> int:
    started = time.monotonic()
    try:
        server = bugsink_server.start(log=lambda message: print(message, flush=True))
    except bugsink_server.BugsinkUnavailable as exc:
        print(f"Bugsink is not available here ({exc}).\nFalling back to --print.\n")
        return demo_print()
    try:
        print(f"Bugsink is up at {server.base_url} ({time.monotonic() - started:.1f} s)")
        status = run_app(server.dsn)
        print_summary(server)
        if sys.stdin.isatty():
            wait_for_ctrl_c(server)
        else:
            print(f"\n(not a terminal: stopping Bugsink; run ./run demo in a terminal to browse "
                  f"the events at {server.base_url})")
        return status
    finally:
        server.stop()


def demo_print() -> int:
    from sentry_lite._loopback import LoopbackServer

    with LoopbackServer(public_key="demo") as server:
        status = run_app(server.dsn)
        requests = server.requests
    print(f"\nThe server received {len(requests)} requests:")
    number = 0
    for request in requests:
        print(f"\n{request.method} {request.path} -> {request.status}  ({len(request.body)} bytes, "
              f"{request.header('Content-Encoding') or 'plain'})")
        print(f"  X-Sentry-Auth: {request.header('X-Sentry-Auth')}")
        if request.envelope is None:
            print(f"  (not an envelope: {request.error})")
            continue
        print(f"  envelope headers: {request.envelope.headers}")
        for item in request.envelope.items:
            print(f"  item {item.headers}")
            if item.type == "event":
                number += 1
                event = item.payload.json
                print("\n".join("    " + line for line in _describe(number, _title(event), event)))
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print", action="store_true",
                        help="print the envelopes instead of running Bugsink")
    args = parser.parse_args()
    return demo_print() if args.print else demo_bugsink()


if __name__ == "__main__":
    sys.exit(main())
