"""The Flask app of the framework benchmark with the least an SDK could do: a floor.

``BENCH_FLOOR`` picks what runs around each request:

- ``none``: nothing (the app alone);
- ``serial``: per request, a small transaction event (ids, times, name, status, URL,
  three headers) as JSON, gzip, and one HTTP POST from a background thread, one
  exchange at a time;
- ``pipelined``: the same, but the thread sends what has queued up back to back on
  its kept-alive connection and reads the answers after;
- ``lingering``: pipelined, and the thread waits 10 ms before each batch, so that more
  come with it (as sentry_lite's worker does under sustained traffic).

No scopes, no scrubbing, no sampling, no request data beyond three headers, no
client reports, no error handling: not an SDK, a lower bound on what delivering one
transaction per request costs here. ``benchmarks/floor.py`` compares it with both SDKs.
"""

from __future__ import annotations

import json
import os
import queue
import random
import socket
import threading
import time
import zlib

import bench_sdk
from flask import Flask

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MODE = os.environ.get("BENCH_FLOOR", "none")
_host_port = os.environ["BENCH_DSN"].split("@", 1)[1].split("/", 1)[0]
HOST, _, _port = _host_port.partition(":")
PORT = int(_port or 80)
HEAD = (
    f"POST /api/1/envelope/ HTTP/1.1\r\nHost: {HOST}\r\n"
    "Content-Type: application/x-sentry-envelope\r\nContent-Encoding: gzip\r\n"
    "X-Sentry-Auth: Sentry sentry_key=benchkey, sentry_version=7\r\nContent-Length: "
).encode()

_outbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()


def _read_answer(stream: Any) -> None:
    stream.readline()
    length = 0
    while True:
        line = stream.readline()
        if line in (b"\r\n", b""):
            break
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        stream.read(length)


def _sender() -> None:
    sock = socket.create_connection((HOST, PORT))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    stream = sock.makefile("rb")
    while True:
        bodies = [_outbox.get()]
        if MODE == "lingering":
            time.sleep(0.01)  # let more come: one wake-up per batch
        if MODE in ("pipelined", "lingering"):
            while len(bodies) < 64:
                try:
                    bodies.append(_outbox.get_nowait())
                except queue.Empty:
                    break
        sock.sendall(b"".join(HEAD + b"%d\r\n\r\n" % len(body) + body for body in bodies))
        if len(bodies) > 1 and hasattr(socket, "TCP_QUICKACK"):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        for _ in bodies:
            _read_answer(stream)


if MODE != "none":
    threading.Thread(target=_sender, daemon=True).start()

flask_app = Flask(__name__)


@flask_app.get("/items/<int:item_id>")
def item(item_id: int) -> dict[str, object]:
    return bench_sdk.payload(bench_sdk.NoSdk, item_id)


def app(environ: dict[str, Any], start_response: Any) -> Any:
    if MODE == "none":
        return flask_app(environ, start_response)
    start = time.time()
    status: list[str] = []

    def recording(line: str, headers: Any, exc_info: Any = None) -> Any:
        status.append(line)
        return start_response(line, headers)

    body = flask_app(environ, recording)
    event_id = f"{random.getrandbits(128):032x}"
    event = {
        "type": "transaction",
        "event_id": event_id,
        "transaction": "item",
        "transaction_info": {"source": "component"},
        "start_timestamp": start,
        "timestamp": time.time(),
        "platform": "python",
        "contexts": {
            "trace": {
                "trace_id": f"{random.getrandbits(128):032x}",
                "span_id": f"{random.getrandbits(64):016x}",
                "op": "http.server",
                "status": "ok" if status and status[0][:1] == "2" else "internal_error",
            }
        },
        "request": {
            "method": environ.get("REQUEST_METHOD"),
            "url": f"http://{environ.get('HTTP_HOST', '')}{environ.get('PATH_INFO', '')}",
            "headers": {
                name: environ[key]
                for name, key in (("Host", "HTTP_HOST"), ("User-Agent", "HTTP_USER_AGENT"),
                                  ("Accept", "HTTP_ACCEPT"))
                if key in environ
            },
        },
        "sdk": {"name": "floor", "version": "0"},
        "spans": [],
    }
    payload = json.dumps(event, separators=(",", ":")).encode()
    head = b'{"event_id":"%s"}\n' % event_id.encode()
    envelope = head + b'{"type":"transaction","length":%d}\n' % len(payload) + payload + b"\n"
    compressor = zlib.compressobj(5, zlib.DEFLATED, 31)
    _outbox.put(compressor.compress(envelope) + compressor.flush())
    return body
