"""A tiny Sentry-like envelope sink on 127.0.0.1 for the delivery benchmarks.

It accepts ``POST /api/<project>/envelope/`` (plain, gzip or deflate; brotli when
the ``brotli`` package is importable), decodes every envelope down to its items
and counts what it saw. ``GET /stats`` answers the counters as JSON, ``GET /last``
the last envelope that held an event and ``GET /last-transaction`` the last that held
a transaction; children read them over a raw socket so that no HTTP-client
instrumentation of the SDK under test sees the request.

HTTP/1.1 with keep-alive on asyncio, parsing no more than it needs (request line,
``Content-Length``, ``Content-Encoding``; no chunked bodies), and answering in one
write: the sink's own cost per request (``busy_ns``) stays small beside the SDKs'.
Stdlib only, independent of both SDKs.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import zlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

COUNTERS = (
    "requests",
    "envelopes",
    "events",
    "transactions",
    "bad",
    "body_bytes",
    "header_bytes",
    "decoded_bytes",
    "event_envelopes",
    "event_body_bytes",
    "event_header_bytes",
    "event_decoded_bytes",
    "busy_ns",
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


class EnvelopeSink:
    """The server, on an event loop in a daemon thread; ``stats()`` snapshots its counters."""

    def __init__(self, port: int = 0) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, Any] = dict.fromkeys(COUNTERS, 0)
        self.counts["items"] = {}
        self.last_event_envelope = b""
        self.last_transaction_envelope = b""
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._sock.bind(("127.0.0.1", port))
        except OSError:
            self._sock.close()
            raise
        self._port = int(self._sock.getsockname()[1])
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self.thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._port

    def dsn(self, key: str = "benchkey") -> str:
        host = "127.0.0.1" if self.port == 80 else f"127.0.0.1:{self.port}"
        return f"http://{key}@{host}/1"

    def start(self) -> EnvelopeSink:
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            start = asyncio.start_server(self._connection, sock=self._sock, backlog=128)
            self._server = self._loop.run_until_complete(start)
            ready.set()
            self._loop.run_forever()

        self.thread = threading.Thread(target=serve, name="bench-sink", daemon=True)
        self.thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            self._loop.stop()

        asyncio.run_coroutine_threadsafe(close(), self._loop)
        if self.thread is not None:
            self.thread.join(10)
        self._sock.close()

    def stats(self) -> dict[str, Any]:
        with self.lock:
            snapshot = dict(self.counts)
            snapshot["items"] = dict(self.counts["items"])
        return snapshot

    def record(
        self, body_len: int, header_len: int, decoded: bytes | None, types: list[str], busy: int
    ) -> None:
        with self.lock:
            counts = self.counts
            counts["requests"] += 1
            counts["busy_ns"] += busy
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
            transactions = types.count("transaction")
            if transactions:
                counts["transactions"] += transactions
                self.last_transaction_envelope = decoded
            if events:
                self.last_event_envelope = decoded
                counts["event_envelopes"] += 1
                counts["event_body_bytes"] += body_len
                counts["event_header_bytes"] += header_len
                counts["event_decoded_bytes"] += len(decoded)

    # -- HTTP ---------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._request(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def _request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length") or 0))
        started = time.perf_counter_ns()  # the sink's own work, once the body is in
        keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        if method == "GET":
            status, answer = self._get(path)
        else:
            status, answer = self._post(path, headers, body, len(head), started), b"{}"
        connection = "keep-alive" if keep_alive else "close"
        writer.write(
            f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(answer)}\r\n"
            f"Connection: {connection}\r\n\r\n".encode()
            + answer
        )
        await writer.drain()
        return keep_alive

    def _get(self, path: str) -> tuple[int, bytes]:
        if path == "/stats":
            return 200, json.dumps(self.stats()).encode()
        if path == "/last":
            return 200, self.last_event_envelope
        if path == "/last-transaction":
            return 200, self.last_transaction_envelope
        return 404, b"{}"

    def _post(
        self, path: str, headers: dict[str, str], body: bytes, header_len: int, started: int
    ) -> int:
        decoded: bytes | None = None
        types: list[str] = []
        if path.rstrip("/").endswith("/envelope"):
            try:
                decoded = decode_body(body, headers.get("content-encoding", ""))
                _, items = parse_envelope(decoded)
                types = [str(h.get("type")) for h, _ in items]
            except Exception:
                decoded = None
        self.record(len(body), header_len, decoded, types, time.perf_counter_ns() - started)
        return 200 if decoded is not None else 400


def start_sink(port: int | str = "auto") -> EnvelopeSink:
    """Start a sink; ``auto`` tries port 80 (a DSN without a port, like a hosted one) first."""
    if port == "auto":
        try:
            return EnvelopeSink(80).start()
        except OSError:
            return EnvelopeSink(0).start()
    return EnvelopeSink(int(port)).start()


def main() -> None:
    """``python _server.py [PORT]``: serve until standard input closes; prints the port."""
    import sys

    sink = start_sink(sys.argv[1] if len(sys.argv) > 1 else 0)
    print(sink.port, flush=True)
    sys.stdin.read()
    sink.stop()


if __name__ == "__main__":
    main()
