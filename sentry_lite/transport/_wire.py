"""A small HTTP/1.1 client for one origin (the DSN's host), kept alive between envelopes.

It does what the transport needs and no more: send a whole request (head and
body) with one ``sendall``, then read the status and headers of the answer and
skip its body (``Content-Length``, chunked, or up to the close; interim 1xx
answers skipped). Sending and receiving are two calls, so the worker can encode
the next envelope while the server reads this one.

Stdlib only (``socket``, and ``ssl`` for https): a DSN reached without a proxy
never loads urllib3. Connections through a proxy use urllib3 (``_pool.py``).

Errors are ``OSError``s (``TimeoutError``, ``ConnectionError``, ``ssl.SSLError``,
``ProtocolError``). ``StaleConnection`` means a kept-alive connection was found
closed by the server before any answer: the request may be sent again on a
new connection.
"""

from __future__ import annotations

import socket
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ssl
    from collections.abc import Sequence
    from typing import BinaryIO

    SocketOption = tuple[int, int, int | bytes]

MAX_LINE = 64 * 1024  # a status or header line
MAX_HEADERS = 100
MAX_BODY = 1024 * 1024  # a longer answer is not read: the connection is closed instead
# A connection idle this long is checked before it is used again (a poll): servers close
# idle keep-alive connections after seconds. Back-to-back requests skip the check.
IDLE_CHECK = 1.0


class ProtocolError(OSError):
    """The server's answer is not HTTP/1.x as we understand it."""


class StaleConnection(ConnectionError):
    """A kept-alive connection was closed by the server before it answered."""


class Headers(dict[str, str]):
    """Response headers; names lower-cased, looked up case-insensitively."""

    case_insensitive = True  # a lookup that misses needs no scan

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return dict.get(self, name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return dict.__getitem__(self, name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and dict.__contains__(self, name.lower())


class Connection:
    """One keep-alive connection to ``host:port`` (TLS when ``tls`` is a context)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: ssl.SSLContext | None = None,
        socket_options: Sequence[SocketOption] = (),
    ) -> None:
        self.host = host
        self.port = port
        self.tls = tls
        self.socket_options = list(socket_options)
        self.reused = False  # the last request went out on a connection used before
        self._sock: socket.socket | None = None
        self._file: BinaryIO | None = None
        self._answered_at = 0.0  # time.monotonic() of the last complete answer

    @property
    def sock(self) -> socket.socket | None:
        """The connected socket, if any."""
        return self._sock

    def kept_alive(self) -> bool:
        """A connection that has answered before is open and, as far as we can tell, usable."""
        sock = self._sock
        if sock is None:
            return False
        if time.monotonic() - self._answered_at > IDLE_CHECK and _closed_by_peer(sock):
            self.close()
            return False
        return True

    def send(self, data: bytes, connect_timeout: float, timeout: float) -> None:
        """Send one whole request (or several, back to back); connects (again) when needed."""
        sock = self._sock if self.kept_alive() else None
        self.reused = sock is not None
        if sock is None:
            sock = self._connect(connect_timeout)
        sock.settimeout(timeout)
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as exc:
            self.close()
            if self.reused:
                raise StaleConnection(str(exc)) from exc
            raise

    def quickack(self) -> None:
        """Acknowledge what arrives next at once (Linux; elsewhere nothing happens).

        Waiting for several answers, a delayed ACK (40 ms on Linux) would hold every
        answer behind the first at a server with Nagle's algorithm on.
        """
        sock = self._sock
        option = getattr(socket, "TCP_QUICKACK", None)
        if sock is not None and option is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, option, 1)
            except OSError:
                pass

    def receive(self) -> tuple[int, Headers]:
        """The status and headers of the answer; its body is read and dropped."""
        stream = self._file
        if stream is None:
            raise ProtocolError("nothing was sent")
        try:
            status, version, headers = self._head(stream)
            while 100 <= status < 200 and status != 101:  # interim answers
                status, version, headers = self._head(stream, started=True)
            keep = self._skip_body(stream, status, version, headers)
        except BaseException:
            self.close()
            raise
        if not keep:
            self.close()
        self._answered_at = time.monotonic()
        return status, headers

    def close(self) -> None:
        stream, sock = self._file, self._sock
        self._file = self._sock = None
        for closable in (stream, sock):
            if closable is not None:
                try:
                    closable.close()
                except OSError:
                    pass

    def forget(self) -> None:
        """Drop the socket without closing it (a forked child: it is the parent's)."""
        self._file = self._sock = None

    # -- connecting -----------------------------------------------------------------

    def _connect(self, timeout: float) -> socket.socket:
        sock = _open_socket(self.host, self.port, timeout, self.socket_options)
        try:
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self._file = sock.makefile("rb")
        return sock

    # -- reading the answer ---------------------------------------------------------

    def _head(self, stream: BinaryIO, started: bool = False) -> tuple[int, str, Headers]:
        try:
            line = stream.readline(MAX_LINE + 1)
        except ConnectionResetError as exc:
            if self.reused and not started:
                raise StaleConnection(str(exc)) from exc
            raise
        if not line:
            if self.reused and not started:
                raise StaleConnection("the server closed the connection without answering")
            raise ConnectionError("the server closed the connection without answering")
        version, _, rest = line.decode("latin-1").rstrip("\r\n").partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not code.isdigit() or len(line) > MAX_LINE:
            raise ProtocolError(f"not an HTTP/1.x status line: {line[:80]!r}")
        headers = Headers()
        peek = getattr(stream, "peek", None)
        if peek is not None:  # the whole head is usually buffered: one read, one decode
            buffered = peek(MAX_LINE)
            end = 0 if buffered[:2] == b"\r\n" else buffered.find(b"\r\n\r\n") + 2
            if end >= 2 or buffered[:2] == b"\r\n":
                text = stream.read(end + 2)[:end].decode("latin-1")
                lines = text.split("\r\n")[:-1] if text else []
                if len(lines) > MAX_HEADERS:
                    raise ProtocolError("too many headers")
                for entry in lines:
                    _add_header(headers, entry)
                return int(code), version, headers
        for _ in range(MAX_HEADERS + 1):
            line = stream.readline(MAX_LINE + 1)
            if line in (b"\r\n", b"\n", b""):
                break
            if len(line) > MAX_LINE:
                raise ProtocolError("header line too long")
            _add_header(headers, line.decode("latin-1"))
        else:
            raise ProtocolError("too many headers")
        if not line:
            raise ConnectionError("the connection closed in the middle of the headers")
        return int(code), version, headers

    def _skip_body(self, stream: BinaryIO, status: int, version: str, headers: Headers) -> bool:
        """Read the body away; whether the connection can carry the next request."""
        tokens = (headers.get("connection") or "").lower()
        keep = "keep-alive" in tokens if version == "HTTP/1.0" else "close" not in tokens
        if status in (204, 304):
            return keep
        if "chunked" in (headers.get("transfer-encoding") or "").lower():
            return _skip_chunked(stream) and keep
        length = headers.get("content-length")
        if length is None:
            _skip(stream, MAX_BODY)  # up to the close
            return False
        try:
            size = int(length.split(",")[0])
        except ValueError:
            raise ProtocolError(f"bad Content-Length {length!r}") from None
        if size > MAX_BODY:
            return False
        if size and _skip(stream, size) < size:
            raise ConnectionError("the connection closed in the middle of the body")
        return keep


def _add_header(headers: Headers, line: str) -> None:
    name, colon, value = line.partition(":")
    if colon:
        key, value = name.strip().lower(), value.strip()
        old = dict.get(headers, key)
        dict.__setitem__(headers, key, value if old is None else f"{old}, {value}")


def _skip(stream: BinaryIO, size: int) -> int:
    """Read and drop up to ``size`` bytes; how many there were."""
    done = 0
    while done < size:
        chunk = stream.read(min(size - done, 65536))
        if not chunk:
            break
        done += len(chunk)
    return done


def _skip_chunked(stream: BinaryIO) -> bool:
    """Read a chunked body away; False when it is too long to bother (close instead)."""
    total = 0
    while True:
        line = stream.readline(MAX_LINE + 1)
        if not line:
            raise ConnectionError("the connection closed in the middle of a chunked body")
        try:
            size = int(line.split(b";")[0].strip(), 16)
        except ValueError:
            raise ProtocolError(f"bad chunk size line {line[:40]!r}") from None
        if size == 0:
            break
        total += size
        if total > MAX_BODY:
            return False
        if _skip(stream, size + 2) < size + 2:  # the chunk and its CRLF
            raise ConnectionError("the connection closed in the middle of a chunk")
    for _ in range(MAX_HEADERS + 1):  # trailer fields, up to the blank line
        line = stream.readline(MAX_LINE + 1)
        if line in (b"\r\n", b"\n", b""):
            return bool(line)
    raise ProtocolError("too many trailer fields")


def _open_socket(
    host: str, port: int, timeout: float, options: Sequence[SocketOption]
) -> socket.socket:
    """A connected TCP socket, options set before connecting (like urllib3 does)."""
    error: OSError | None = None
    for family, kind, proto, _, address in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
        sock = socket.socket(family, kind, proto)
        try:
            for level, name, value in options:
                sock.setsockopt(level, name, value)
            sock.settimeout(timeout)
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock
    raise error or OSError(f"could not resolve {host!r}")


def _closed_by_peer(sock: socket.socket) -> bool:
    """True when an idle kept-alive socket is readable: the server closed it (or misbehaves)."""
    import select

    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)
    except (OSError, ValueError):
        return True


__all__ = ["Connection", "Headers", "ProtocolError", "StaleConnection"]
