"""A tiny Sentry-like envelope sink on 127.0.0.1 for the delivery benchmarks.

It accepts ``POST /api/<project>/envelope/`` (plain, gzip or deflate; brotli when
the ``brotli`` package is importable), decodes every envelope down to its items
and counts what it saw. ``GET /stats`` answers the counters as JSON; children read
it over a raw socket so that no HTTP-client instrumentation of the SDK under test
sees the request. Stdlib only, independent of both SDKs.
"""

from __future__ import annotations

import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

COUNTERS = (
    "requests",
    "envelopes",
    "events",
    "bad",
    "body_bytes",
    "header_bytes",
    "decoded_bytes",
    "event_envelopes",
    "event_body_bytes",
    "event_header_bytes",
    "event_decoded_bytes",
)


def decode_body(body: bytes, encoding: str) -> bytes:
    """The envelope bytes of a request body sent with ``Content-Encoding: encoding``."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        import brotli  # type: ignore[import-not-found]

        return bytes(brotli.decompress(body))
    raise ValueError(f"unknown content encoding {encoding!r}")


def parse_envelope(data: bytes) -> tuple[dict[str, Any], list[tuple[dict[str, Any], bytes]]]:
    """Split an envelope into its header and ``(item header, payload)`` pairs; strict."""
    newline = data.find(b"\n")
    header = json.loads(data if newline < 0 else data[:newline])
    items = []
    pos = len(data) if newline < 0 else newline + 1
    while pos < len(data):
        end = data.find(b"\n", pos)
        line = data[pos:] if end < 0 else data[pos:end]
        pos = len(data) if end < 0 else end + 1
        if not line.strip():
            continue
        item_header = json.loads(line)
        length = item_header.get("length")
        if length is None:
            end = data.find(b"\n", pos)
            payload = data[pos:] if end < 0 else data[pos:end]
            pos = len(data) if end < 0 else end + 1
        else:
            payload = data[pos : pos + length]
            if len(payload) != length:
                raise ValueError("item shorter than its length header")
            pos += length + 1
        if item_header.get("type") in ("event", "transaction"):
            json.loads(payload)  # decode it, as a real server would
        items.append((item_header, payload))
    return header, items


class EnvelopeSink(ThreadingHTTPServer):
    """The server; ``stats()`` is a snapshot of its counters."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.lock = threading.Lock()
        self.counts: dict[str, Any] = dict.fromkeys(COUNTERS, 0)
        self.counts["items"] = {}
        self.last_event_envelope = b""
        self.thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def dsn(self, key: str = "benchkey") -> str:
        host = "127.0.0.1" if self.port == 80 else f"127.0.0.1:{self.port}"
        return f"http://{key}@{host}/1"

    def start(self) -> EnvelopeSink:
        self.thread = threading.Thread(target=self.serve_forever, name="bench-sink", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def stats(self) -> dict[str, Any]:
        with self.lock:
            snapshot = dict(self.counts)
            snapshot["items"] = dict(self.counts["items"])
        return snapshot

    def record(
        self, body_len: int, header_len: int, decoded: bytes | None, types: list[str]
    ) -> None:
        with self.lock:
            counts = self.counts
            counts["requests"] += 1
            counts["body_bytes"] += body_len
            counts["header_bytes"] += header_len
            if decoded is None:
                counts["bad"] += 1
                return
            counts["envelopes"] += 1
            counts["decoded_bytes"] += len(decoded)
            for name in types:
                counts["items"][name] = counts["items"].get(name, 0) + 1
            events = types.count("event")
            counts["events"] += events
            if events:
                self.last_event_envelope = decoded
                counts["event_envelopes"] += 1
                counts["event_body_bytes"] += body_len
                counts["event_header_bytes"] += header_len
                counts["event_decoded_bytes"] += len(decoded)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as both SDKs' connection pools expect
    disable_nagle_algorithm = True  # else headers and body as two writes stall on delayed ACKs
    server: EnvelopeSink

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/stats":
            self._answer(200, json.dumps(self.server.stats()).encode())
        elif self.path == "/last":
            self._answer(200, self.server.last_event_envelope)
        else:
            self._answer(404, b"{}")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        header_len = len(self.requestline) + 2 + len(bytes(self.headers))
        decoded: bytes | None = None
        types: list[str] = []
        if self.path.rstrip("/").endswith("/envelope"):
            try:
                decoded = decode_body(body, self.headers.get("Content-Encoding", ""))
                _, items = parse_envelope(decoded)
                types = [str(h.get("type")) for h, _ in items]
            except Exception:
                decoded = None
        self.server.record(len(body), header_len, decoded, types)
        self._answer(200 if decoded is not None else 400, b"{}")


def start_sink(port: int | str = "auto") -> EnvelopeSink:
    """Start a sink; ``auto`` tries port 80 (a DSN without a port, like a hosted one) first."""
    if port == "auto":
        try:
            return EnvelopeSink(80).start()
        except OSError:
            return EnvelopeSink(0).start()
    return EnvelopeSink(int(port)).start()
