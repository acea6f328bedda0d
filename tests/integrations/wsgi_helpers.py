"""Real HTTP for WSGI tests: werkzeug's threaded server on 127.0.0.1 and an http.client caller."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

import sentry_lite
from sentry_lite.testing import assert_valid_event


class QuietHandler(WSGIRequestHandler):
    """No access log and no error log (werkzeug's own lines would become events)."""

    def log(self, type: str, message: str, *args: Any) -> None:
        return None


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free port in a thread; yields ``http://127.0.0.1:PORT``."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    server.log = lambda *args: None  # type: ignore[method-assign]  # "Error on request" lines
    thread = threading.Thread(
        target=server.serve_forever, args=(0.02,), name="test-wsgi-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


def request(
    base: str,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Response:
    """One request with http.client (a new connection each time)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return Response(response.status, dict(response.getheaders()), response.read())
    finally:
        conn.close()


def concurrently(count: int, func: Any) -> list[Any]:
    """``func(i)`` for i in range(count), all at once from ``count`` threads."""
    barrier = threading.Barrier(count)

    def run(i: int) -> Any:
        barrier.wait(10)
        return func(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def delivered(server: Any, events: int = 0, transactions: int = 0) -> None:
    """Flush and wait until ``server`` holds that many events and transactions."""
    sentry_lite.flush(5)
    assert server.wait_for(
        lambda s: len(s.events) >= events and len(s.transactions) >= transactions, timeout=10
    ), f"got {len(server.events)} events, {len(server.transactions)} transactions"
    for event in server.events + server.transactions:
        assert_valid_event(event)


def raw_bytes(server: Any) -> bytes:
    """Everything the Sentry server received, decompressed."""
    parts = []
    for recorded in server.requests:
        data = recorded.data
        if data is None:
            body = recorded.body
            data = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
        parts.append(data)
    return b"\n".join(parts)


def event_json(server: Any) -> str:
    return json.dumps(server.events + server.transactions)


# What a request makes: none of it may be left in a cycle. (Other sentry_lite objects, a
# transport of an earlier test whose worker thread ends meanwhile, may reach the collector
# while a request runs: not the request's.)
REQUEST_TYPES = frozenset({
    "Scope", "Transaction", "Span", "PropagationContext", "WsgiRequest", "AsgiRequest",
    "_RequestData", "_Response",
})


def request_garbage(run: Any) -> list[str]:
    """Types of a request's objects that ``run()`` left in reference cycles."""
    import gc

    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        run()
        gc.collect()
        return sorted(
            {type(o).__qualname__ for o in gc.garbage
             if type(o).__module__.startswith("sentry_lite")
             and type(o).__qualname__ in REQUEST_TYPES}
        )
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
