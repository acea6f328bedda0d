"""One measurement in a fresh interpreter: ``python _child.py WORKLOAD MODULE PARAMS_JSON``.

The SDK under test is reached only through its public API (``sdk =
importlib.import_module(MODULE)``), so both SDKs run the very same code. The result
is printed as one line ``BENCH-RESULT {json}`` on stdout.
"""

from __future__ import annotations

import importlib
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

MARKER = "BENCH-RESULT "


def rss_bytes() -> int:
    """Resident set size of this process (VmRSS in /proc/self/status)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class CallCounter:
    """Counts Python (and C) function calls in this thread while active (sys.setprofile)."""

    def __init__(self) -> None:
        self.calls = 0
        self.c_calls = 0

    def _hook(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            self.calls += 1
        elif event == "c_call":
            self.c_calls += 1

    def __enter__(self) -> CallCounter:
        sys.setprofile(self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)
        # the exit itself is seen as one call (this method) and one c_call (setprofile)
        self.calls -= 1
        self.c_calls -= 1


def count_calls(action: Callable[[], object], times: int = 1) -> dict[str, float]:
    """Calls per run of ``action``, averaged over ``times`` runs."""
    with CallCounter() as counter:
        for _ in range(times):
            action()
    # the calls of ``action`` itself (a lambda or a local function) are ours, not the SDK's
    return {
        "py_calls": (counter.calls - times) / times,
        "c_calls": counter.c_calls / times,
    }


def make_noop_transport(sdk: Any) -> tuple[type, list[Any]]:
    """A transport class that accepts envelopes and drops them; and the list counting them.

    ``seen[0]`` counts the envelopes; ``seen[1]`` is the last one (kept for checks).
    """
    seen: list[Any] = [0, None]
    base = importlib.import_module(sdk.__name__ + ".transport").Transport

    class NoopTransport(base):  # type: ignore[misc, valid-type]
        def capture_envelope(self, envelope: Any) -> None:
            seen[0] += 1
            seen[1] = envelope

        def flush(self, timeout: float, callback: Any = None) -> None:
            return None

        def kill(self) -> None:
            return None

    return NoopTransport, seen


def _server_get(port: int, path: str) -> bytes:
    """GET ``path`` from the sink over a raw socket (invisible to HTTP instrumentation)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        request = f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        conn.sendall(request.encode())
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks).split(b"\r\n\r\n", 1)[1]


def server_stats(port: int) -> dict[str, Any]:
    """The sink's counters."""
    import json

    result: dict[str, Any] = json.loads(_server_get(port, "/stats"))
    return result


def server_last(port: int) -> bytes:
    """The last envelope with an event the sink decoded (uncompressed)."""
    return _server_get(port, "/last")


def encode_params(params: dict[str, Any]) -> str:
    """Flat parameters as ``key=type:value`` joined by newlines.

    Not JSON: ``import json`` before the SDK would hide the SDK's own json import from
    the start-up counts.
    """
    kinds = {bool: "b", int: "i", float: "f", str: "s"}
    lines = []
    for key, value in params.items():
        text = str(int(value)) if type(value) is bool else str(value)
        if "\n" in text:
            raise ValueError(f"parameter {key!r} holds a newline")
        lines.append(f"{key}={kinds[type(value)]}:{text}")
    return "\n".join(lines)


def decode_params(text: str) -> dict[str, Any]:
    convert: dict[str, Callable[[str], Any]] = {
        "b": lambda v: v == "1",
        "i": int,
        "f": float,
        "s": str,
    }
    params = {}
    for line in text.splitlines():
        key, _, typed = line.partition("=")
        kind, _, value = typed.partition(":")
        params[key] = convert[kind](value)
    return params


def main(argv: list[str]) -> None:
    workload, module, params = argv[1], argv[2], decode_params(argv[3])
    import _workloads

    result = _workloads.WORKLOADS[workload](module, params)
    import json

    sys.stdout.write(MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv)
