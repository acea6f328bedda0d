"""A raw-socket HTTP server that misbehaves on purpose, for the transport's fault suite.

Each accepted connection runs in its own thread; each request read on it (head up
to the blank line, then ``Content-Length`` bytes, or at most ``read_limit``) goes
to the test's ``script(server, request, conn)``, which writes whatever bytes it
wants and says what then happens to the connection. The server records the
event ids of the requests the script *accepted* (``server.accept(request)``), so a
test can count deliveries and duplicates. 127.0.0.1 (or ::1), bounded: every
socket has a timeout and ``close()`` ends everything.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import zlib
from collections.abc import Callable
from typing import NamedTuple

KEEP, CLOSE, RESET = "keep", "close", "reset"


class Request(NamedTuple):
    n: int  # the n-th request of the server (0-based)
    head: bytes
    body: bytes  # what was read of it (gzip)
    complete: bool  # the whole body was read

    @property
    def event_id(self) -> str | None:
        try:
            data = zlib.decompress(self.body, 31)
        except zlib.error:
            return None
        headers = json.loads(data.split(b"\n", 1)[0] or b"{}")
        value = headers.get("event_id")
        return str(value) if value else None

    def discarded(self, reason: str) -> int:
        """The quantities of its client report for ``reason`` (0 without a report)."""
        try:
            lines = zlib.decompress(self.body, 31).split(b"\n")
        except zlib.error:
            return 0
        total = 0
        for line in lines:
            if b"discarded_events" in line:
                for entry in json.loads(line)["discarded_events"]:
                    total += entry["quantity"] if entry["reason"] == reason else 0
        return total

    @property
    def event_ids(self) -> list[str]:
        return [] if self.event_id is None else [self.event_id]


Script = Callable[["Scripted", Request, socket.socket], str]


def ok(body: bytes = b"{}", extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


class Scripted:
    """The server; use as a context manager. ``dsn`` points at it."""

    def __init__(
        self, script: Script, *, family: int = socket.AF_INET, tls: ssl.SSLContext | None = None,
        read_limit: int | None = None, backlog: int = 16, accept_connections: bool = True,
    ) -> None:
        self.script = script
        self.read_limit = read_limit
        self.tls = tls
        self._lock = threading.Lock()
        self.accepted: list[str] = []  # event ids, in order, duplicates kept
        self.requests: list[Request] = []
        self.connections = 0
        self._closing = threading.Event()
        self._socks: list[socket.socket] = []
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
        self.listener.bind((host, 0))
        self.listener.listen(backlog)
        self.listener.settimeout(0.2)
        port = self.listener.getsockname()[1]
        netloc = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
        self.dsn = f"{'https' if tls else 'http'}://key@{netloc}/1"
        self._accepting = accept_connections
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def accept(self, request: Request) -> None:
        with self._lock:
            self.accepted.extend(request.event_ids)

    def __enter__(self) -> Scripted:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closing.set()
        self._thread.join(5)
        for sock in [self.listener, *self._socks]:
            try:
                sock.close()
            except OSError:
                pass

    def _serve(self) -> None:
        while not self._closing.is_set():
            if not self._accepting:
                self._closing.wait(0.1)
                continue
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self._socks.append(conn)
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(30)  # (raises when the server closed it before this thread ran)
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
                self._socks.append(conn)
            with self._lock:
                self.connections += 1
            buffer = b""
            while not self._closing.is_set():
                request, buffer = self._read(conn, buffer)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                then = self.script(self, request, conn)
                if then == CLOSE:
                    conn.close()
                    return
                if then == RESET:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                    conn.close()
                    return
        except (OSError, ssl.SSLError):
            return
        finally:
            conn.close()  # (an idle timeout included: the server drops the connection)

    def _read(self, conn: socket.socket, buffer: bytes) -> tuple[Request | None, bytes]:
        while b"\r\n\r\n" not in buffer:
            data = conn.recv(65536)
            if not data:
                return None, b""
            buffer += data
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        wanted = length if self.read_limit is None else min(length, self.read_limit)
        while len(buffer) < wanted:
            data = conn.recv(65536)
            if not data:
                break
            buffer += data
        body, buffer = buffer[:wanted], buffer[wanted:]
        with self._lock:
            n = len(self.requests)
        return Request(n, head, body, len(body) == length), buffer


__all__ = ["CLOSE", "KEEP", "RESET", "Request", "Scripted", "ok"]
