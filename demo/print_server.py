"""A stand-in for a Sentry server that prints every envelope it receives (``./run demo --print``).

Used when Bugsink cannot be installed: it listens on 127.0.0.1, accepts what the SDK posts to
``/api/<project>/envelope/`` and prints each item's headers and a short view of its payload.
"""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PUBLIC_KEY = "demo"


def _decode_body(body: bytes, encoding: str) -> bytes | None:
    if encoding in ("", "identity"):
        return body
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return None  # br and others: not decoded here


def _split_items(raw: bytes) -> tuple[dict[str, Any], list[tuple[dict[str, Any], bytes]]]:
    header_line, _, rest = raw.partition(b"\n")
    items = []
    while rest.strip():
        item_header_line, _, rest = rest.partition(b"\n")
        item_header = json.loads(item_header_line)
        length = item_header.get("length")
        if length is None:
            payload, _, rest = rest.partition(b"\n")
        else:
            payload, rest = rest[:length], rest[length + 1 :]
        items.append((item_header, payload))
    return json.loads(header_line), items


def _payload_summary(item_type: str, payload: bytes) -> str:
    if item_type not in ("event", "transaction", "client_report", "session", "check_in"):
        return f"{len(payload)} bytes"
    data = json.loads(payload)
    if item_type != "event":
        return json.dumps(data)[:300]
    exception = (data.get("exception") or {}).get("values") or []
    title = (
        " <- ".join(f"{value.get('type')}: {value.get('value')}" for value in reversed(exception))
        or (data.get("logentry") or {}).get("formatted")
        or data.get("message")
    )
    crumbs = data.get("breadcrumbs") or {}
    crumbs = crumbs.get("values", []) if isinstance(crumbs, dict) else crumbs
    return (
        f"{data.get('level')} {title!r}\n      tags={data.get('tags')} user={data.get('user')}"
        f"\n      contexts={sorted(data.get('contexts') or {})} breadcrumbs={len(crumbs)}"
    )


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        raw = _decode_body(body, self.headers.get("Content-Encoding", "").lower())
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")
        with self.server.print_lock:  # type: ignore[attr-defined]
            self._print(raw, len(body))

    def _print(self, raw: bytes | None, size: int) -> None:
        encoding = self.headers.get("Content-Encoding") or "plain"
        print(f"POST {self.path}  ({size} bytes, {encoding})")
        print(f"  auth: {self.headers.get('X-Sentry-Auth')}")
        if raw is None:
            return
        header, items = _split_items(raw)
        print(f"  envelope: {json.dumps(header)[:200]}")
        for item_header, payload in items:
            item_type = item_header.get("type", "?")
            print(f"    item {item_type}: {_payload_summary(item_type, payload)}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class PrintServer:
    """``with PrintServer() as server: ... server.dsn``"""

    def __init__(self) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.print_lock = threading.Lock()  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://{PUBLIC_KEY}@127.0.0.1:{self._httpd.server_address[1]}/1"

    def __enter__(self) -> PrintServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
