"""A real Sentry-compatible HTTP server on 127.0.0.1, for tests.

``LoopbackServer`` accepts envelopes on ``/api/<project>/envelope/`` (plain or
gzip), decodes them, records every request, and can be told how to answer:
a status and headers (``429`` with ``X-Sentry-Rate-Limits``...), slowly, never
(accept and hang), or not at all (port closed). Stdlib only::

    from sentry_lite.testing import LoopbackServer

    with LoopbackServer() as server:
        sentry_lite.init(dsn=server.dsn)
        sentry_lite.capture_message("hello")
        assert server.wait_for_events(1)
        assert server.events[0]["message"] == "hello"

Observations (``requests``, ``envelopes``, ``events``...) are snapshots taken
under a lock. ``envelopes``, ``events``, ``items_of`` and ``client_reports``
count only what the server *accepted* (answered with a 2xx), as a real Sentry
would store it; ``requests`` holds everything, rejected and unanswered too.
Waiting is done on a condition variable: ``wait_for*`` return as soon as the
predicate holds, or False after ``timeout`` seconds.
"""

from __future__ import annotations

import re
import socket
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from sentry_lite.envelope import Envelope

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Mapping
    from typing import Any

    from sentry_lite.envelope import Item

_ENVELOPE_PATH = re.compile(r"^/api/(\d+)/envelope/?(?:\?.*)?$")


class Reply:
    """How the server answers one request.

    ``status``, ``headers`` and ``body`` (default ``{"id": <event_id>}``) are sent
    after ``delay`` seconds; with ``hang=True`` the request is read and recorded
    but never answered (the connection is closed when the server stops, goes
    down, or ``release()`` is called).
    """

    __slots__ = ("body", "delay", "hang", "headers", "status")

    def __init__(
        self,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        *,
        delay: float = 0.0,
        hang: bool = False,
    ) -> None:
        self.status = status
        self.headers = dict(headers or {})
        self.body = body
        self.delay = delay
        self.hang = hang

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.headers!r}, delay={self.delay}, hang={self.hang})"


class RecordedRequest:
    """One request as the server received it, and what it answered."""

    __slots__ = (
        "body", "data", "envelope", "error", "headers", "method", "path", "status", "target",
    )

    def __init__(self, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
        self.method = method
        self.target = target  # as on the request line: absolute when sent through a proxy
        self.path = target
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            self.path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.headers = headers  # as sent (case preserved); see header()
        self.body = body  # raw, possibly gzip-compressed
        self.data: bytes | None = None  # decompressed body
        self.envelope: Envelope | None = None
        self.error: str | None = None  # why the body could not be decoded
        self.status: int | None = None  # None: not answered (yet)

    def header(self, name: str, default: str | None = None) -> str | None:
        """A request header by case-insensitive name."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return default

    @property
    def proxied(self) -> bool:
        """True when the request line held an absolute URL (a forward-proxy request)."""
        return self.target.startswith(("http://", "https://"))

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def __repr__(self) -> str:
        return f"<RecordedRequest {self.method} {self.path} -> {self.status}>"


def _decode_body(body: bytes, encoding: str | None) -> bytes:
    encoding = (encoding or "identity").strip().lower()
    if encoding in ("identity", ""):
        return body
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(body, 31)
    if encoding == "deflate":
        return zlib.decompress(body)
    raise ValueError(f"unsupported Content-Encoding {encoding!r}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, add=False)

    def do_POST(self) -> None:
        self.server.owner._handle(self)

    do_GET = do_PUT = do_POST

    def read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: LoopbackServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client went away (closed, reset, timed out): nothing to report
        super().handle_error(request, client_address)


class LoopbackServer:
    """A Sentry-compatible envelope endpoint on ``127.0.0.1``; see the module docstring.

    ``project_id`` and ``public_key`` shape the ``dsn``; requests to another
    project answer 404 and requests without the key answer 401 (unless a
    scripted ``Reply`` says otherwise). ``port=0`` picks a free port.

    With ``certfile`` (and ``keyfile``) it speaks TLS and its ``dsn`` is https;
    with ``client_ca`` too it demands a client certificate signed by that CA.

    Absolute request targets (``POST http://host/api/1/envelope/``, what a
    forward proxy receives) are accepted too, so ``server.url`` can stand in for
    an HTTP proxy in front of any DSN host (``RecordedRequest.proxied``).
    """

    def __init__(
        self,
        project_id: int = 1,
        public_key: str = "public",
        *,
        port: int = 0,
        reply: Reply | None = None,
        certfile: str | None = None,
        keyfile: str | None = None,
        client_ca: str | None = None,
    ) -> None:
        self.project_id = project_id
        self.public_key = public_key
        self._port = port
        self._tls = (certfile, keyfile, client_ca) if certfile else None
        self._cond = threading.Condition()
        self._requests: list[RecordedRequest] = []
        self._default = reply or Reply()
        self._script: list[Reply] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._accepted = 0
        self._release = threading.Event()

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> LoopbackServer:
        """Start listening (once); returns self."""
        if self._server is None:
            self._listen()
        return self

    def stop(self) -> None:
        """Stop listening, close every connection, release hung requests."""
        self.go_down()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _listen(self) -> None:
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.owner = self
        if self._tls is not None:
            server.socket = self._tls_context().wrap_socket(server.socket, server_side=True)
        self._port = server.server_address[1]
        self._release = threading.Event()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"LoopbackServer:{self._port}", daemon=True,
        )
        self._thread.start()

    def _tls_context(self) -> ssl.SSLContext:
        import ssl

        assert self._tls is not None
        certfile, keyfile, client_ca = self._tls
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile or "", keyfile)
        if client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(client_ca)
        return context

    def go_down(self) -> None:
        """Close the port and every open connection: clients get "connection refused"."""
        server, self._server = self._server, None
        self._release.set()
        if server is not None:
            server.shutdown()
            server.server_close()
        with self._cond:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def come_up(self) -> None:
        """Listen again on the same port (and DSN) after ``go_down()``."""
        if self._server is None:
            self._listen()

    @property
    def is_up(self) -> bool:
        return self._server is not None

    # -- addresses ------------------------------------------------------------------

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("LoopbackServer not started")
        return self._port

    @property
    def url(self) -> str:
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def dsn(self) -> str:
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{self.public_key}@127.0.0.1:{self.port}/{self.project_id}"

    @property
    def envelope_url(self) -> str:
        return f"{self.url}/api/{self.project_id}/envelope/"

    # -- behaviour ------------------------------------------------------------------

    def reply_with(
        self,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        *,
        delay: float = 0.0,
    ) -> None:
        """Answer every later request this way (after any scripted replies)."""
        self.set_default(Reply(status, headers, body, delay=delay))

    def set_default(self, reply: Reply) -> None:
        with self._cond:
            self._default = reply

    def script(self, *replies: Reply | int) -> None:
        """Answer the next requests with ``replies`` in order (an int is a status)."""
        with self._cond:
            self._script.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def hang(self) -> None:
        """Accept and read every later request, and never answer it."""
        self.set_default(Reply(hang=True))

    def slow(self, delay: float) -> None:
        """Answer every later request with 200 after ``delay`` seconds."""
        self.set_default(Reply(delay=delay))

    def behave(self) -> None:
        """Back to normal: answer 200 at once, forget scripted replies, release hung ones."""
        with self._cond:
            self._default = Reply()
            self._script.clear()
        self.release()

    def release(self) -> None:
        """Close the connections of hung requests (without answering) and cut delays short."""
        old, self._release = self._release, threading.Event()
        old.set()

    def _next_reply(self) -> Reply | None:
        with self._cond:
            return self._script.pop(0) if self._script else None

    # -- observations ---------------------------------------------------------------

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted so far (kept-alive ones count once)."""
        with self._cond:
            return self._accepted

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order, whatever was answered."""
        with self._cond:
            return list(self._requests)

    @property
    def statuses(self) -> list[int | None]:
        """The status answered to each request, in order (None: not answered)."""
        with self._cond:
            return [r.status for r in self._requests]

    @property
    def envelopes(self) -> list[Envelope]:
        """Envelopes of the requests answered with a 2xx, in order."""
        with self._cond:
            return [r.envelope for r in self._requests if r.accepted and r.envelope is not None]

    def items_of(self, item_type: str) -> list[Item]:
        """Accepted items of ``item_type`` (``"event"``, ``"attachment"``...)."""
        return [item for env in self.envelopes for item in env.items if item.type == item_type]

    @property
    def events(self) -> list[dict[str, Any]]:
        """Payloads of accepted ``event`` items (errors and messages)."""
        return [item.payload.json for item in self.items_of("event")]

    @property
    def transactions(self) -> list[dict[str, Any]]:
        return [item.payload.json for item in self.items_of("transaction")]

    @property
    def client_reports(self) -> list[dict[str, Any]]:
        return [item.payload.json for item in self.items_of("client_report")]

    def discarded(self, reason: str | None = None, category: str | None = None) -> int:
        """Sum of the accepted client reports' quantities, filtered by reason/category."""
        total = 0
        for report in self.client_reports:
            for entry in report.get("discarded_events", ()):
                if reason in (None, entry.get("reason")) and category in (
                    None, entry.get("category"),
                ):
                    total += int(entry.get("quantity", 0))
        return total

    def clear(self) -> None:
        """Forget the requests recorded so far."""
        with self._cond:
            self._requests.clear()

    def wait_for(self, predicate: Callable[[LoopbackServer], bool], timeout: float = 5.0) -> bool:
        """Wait until ``predicate(server)`` holds (checked on every request); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), timeout)

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda s: len(s._requests) >= count, timeout)

    def wait_for_envelopes(self, count: int, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda s: len(s.envelopes) >= count, timeout)

    def wait_for_events(self, count: int, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda s: len(s.events) >= count, timeout)

    def wait_for_items(self, item_type: str, count: int, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda s: len(s.items_of(item_type)) >= count, timeout)

    # -- the handler's side ---------------------------------------------------------

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._cond:
            if add:
                self._accepted += 1
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _record(self, request: RecordedRequest, status: int | None = None) -> None:
        with self._cond:
            if status is None:
                self._requests.append(request)
            else:
                request.status = status
            self._cond.notify_all()

    def _decode(self, request: RecordedRequest) -> Reply | None:
        """Fill ``request.data``/``envelope``; a Reply when it cannot be accepted."""
        match = _ENVELOPE_PATH.match(request.path)
        if match is None or int(match.group(1)) != self.project_id:
            return Reply(404)
        auth = (request.header("X-Sentry-Auth") or "") + " " + request.path
        if f"sentry_key={self.public_key}" not in auth:
            return Reply(401)
        try:
            request.data = _decode_body(request.body, request.header("Content-Encoding"))
            request.envelope = Envelope.deserialize(request.data)
        except Exception as exc:
            request.error = repr(exc)
            return Reply(400)
        return None

    def _handle(self, handler: _Handler) -> None:
        release = self._release
        request = RecordedRequest(
            handler.command, handler.path, dict(handler.headers.items()), handler.read_body()
        )
        problem = self._decode(request)
        scripted = self._next_reply()
        with self._cond:
            reply = scripted or problem or self._default
        self._record(request)
        if reply.hang:
            release.wait()
            handler.close_connection = True
            return
        if reply.delay:
            release.wait(reply.delay)
        self._answer(handler, request, reply)

    def _answer(self, handler: _Handler, request: RecordedRequest, reply: Reply) -> None:
        body = reply.body
        if body is None:
            event_id = request.envelope.headers.get("event_id") if request.envelope else None
            body = b'{"id":"%s"}' % (event_id or "").encode() if reply.status < 300 else b"{}"
        self._record(request, reply.status)
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:
            handler.close_connection = True

    def __repr__(self) -> str:
        state = f"port {self._port}" if self._server is not None else "down"
        return f"<LoopbackServer {state}, {len(self._requests)} requests>"


__all__ = ["LoopbackServer", "RecordedRequest", "Reply"]
