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

The observations (``requests``, ``envelopes``, ``events``, ``wait_for*``...) and
the values ``Reply`` and ``RecordedRequest`` live in ``sentry_lite._loopback_records``;
this module listens, answers and keeps track of connections. ``http.server`` parses
the requests; chunked bodies are decoded by ``http.client`` (see ``_read_chunked``).
"""

from __future__ import annotations

import re
import socket
import threading
from http.client import HTTPResponse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sentry_lite._loopback_records import RecordedRequest, Reply, RequestLog, decode_body
from sentry_lite.envelope import Envelope

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ssl
    from collections.abc import Mapping
    from io import BufferedIOBase
    from typing import Any

_ENVELOPE_PATH = re.compile(r"^/api/(\d+)/envelope/?(?:\?.*)?$")


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
            return _read_chunked(self.rfile)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean


class _ChunkedBody:
    """The request's stream behind a made-up response head: what ``http.client`` reads.

    ``http.server`` leaves request bodies to the handler, and the stdlib's decoder of
    the chunked transfer coding (chunk extensions, trailers, line limits, truncation)
    is ``http.client.HTTPResponse``'s; this hands it the stream as if the body came in
    a response, and never closes the connection's file.
    """

    def __init__(self, rfile: BufferedIOBase) -> None:
        self._head = [b"HTTP/1.1 200 OK\r\n", b"Transfer-Encoding: chunked\r\n", b"\r\n"]
        self._rfile = rfile

    def makefile(self, mode: str) -> _ChunkedBody:
        return self

    def readline(self, limit: int = -1) -> bytes:
        return self._head.pop(0) if self._head else self._rfile.readline(limit)

    def read(self, size: int = -1) -> bytes:
        return self._rfile.read(size)

    def close(self) -> None:
        pass  # the connection stays open (keep-alive)


def _read_chunked(rfile: BufferedIOBase) -> bytes:
    response = HTTPResponse(_ChunkedBody(rfile))  # type: ignore[arg-type]
    response.begin()
    return response.read()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: LoopbackServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client went away (closed, reset, timed out): nothing to report
        super().handle_error(request, client_address)


class LoopbackServer(RequestLog):
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
        super().__init__()
        self.project_id = project_id
        self.public_key = public_key
        self._port = port
        self._tls = (certfile, keyfile, client_ca) if certfile else None
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

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted so far (kept-alive ones count once)."""
        with self._cond:
            return self._accepted

    # -- the handler's side ---------------------------------------------------------

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._cond:
            if add:
                self._accepted += 1
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _decode(self, request: RecordedRequest) -> Reply | None:
        """Fill ``request.data``/``envelope``; a Reply when it cannot be accepted."""
        match = _ENVELOPE_PATH.match(request.path)
        if match is None or int(match.group(1)) != self.project_id:
            return Reply(404)
        auth = (request.header("X-Sentry-Auth") or "") + " " + request.path
        if f"sentry_key={self.public_key}" not in auth:
            return Reply(401)
        try:
            request.data = decode_body(request.body, request.header("Content-Encoding"))
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
