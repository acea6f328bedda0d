"""The transport's way to the server: TLS, proxies, socket options, timeouts.

Imported only from the worker thread, when the first envelope is sent.
``make_channel`` picks one of two channels, both ``send(body, deadline)`` then
``receive() -> (status, headers)``:

- ``Direct``: the DSN's host without a proxy, over our own keep-alive HTTP/1.1
  connection (``_wire.py``: stdlib ``socket`` and ``ssl``, certifi's CA bundle);
  the request goes out in one write and the worker may work between sending and
  reading the answer;
- ``Proxied``: through an HTTP(S) or SOCKS proxy, with urllib3's
  ``ProxyManager`` (or ``SOCKSProxyManager``); urllib3 is imported only then.
"""

from __future__ import annotations

import os
import socket
import time

from sentry_lite.consts import USER_AGENT
from sentry_lite.transport._wire import Connection, StaleConnection

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ssl
    from collections.abc import Mapping, Sequence
    from typing import Any

    import urllib3

    from sentry_lite._dsn import Dsn
    from sentry_lite._options import Options
    from sentry_lite.transport._wire import Headers

    OptionsLike = Options | Mapping[str, Any]

    SocketOption = tuple[int, int, int | bytes]

CONNECT_TIMEOUT = 5.0
PIPELINE_BYTES = 1024 * 1024  # bodies sent back to back in one write, at most (one at least)
READ_TIMEOUT = 15.0
NUM_POOLS = 2

# What urllib3 sets too: small requests must not wait for Nagle's algorithm.
DEFAULT_SOCKET_OPTIONS: list[SocketOption] = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


def _keepalive_options() -> list[SocketOption]:
    """TCP keepalive: probe an idle connection after 45 s, every 10 s, 6 times."""
    wanted = [
        ("SOL_SOCKET", "SO_KEEPALIVE", 1),
        ("IPPROTO_TCP", "TCP_KEEPIDLE", 45),
        ("IPPROTO_TCP", "TCP_KEEPALIVE", 45),  # macOS spelling of KEEPIDLE
        ("IPPROTO_TCP", "TCP_KEEPINTVL", 10),
        ("IPPROTO_TCP", "TCP_KEEPCNT", 6),
    ]
    found: list[SocketOption] = []
    for level, name, value in wanted:
        if hasattr(socket, level) and hasattr(socket, name):
            found.append((getattr(socket, level), getattr(socket, name), value))
    return found


def socket_options(options: OptionsLike) -> list[SocketOption] | None:
    """The socket options of the connections (None: the defaults, TCP_NODELAY)."""
    given = options.get("socket_options")
    keep_alive = bool(options.get("keep_alive"))
    if given is None and not keep_alive:
        return None
    base = given if given is not None else DEFAULT_SOCKET_OPTIONS
    chosen: list[SocketOption] = [tuple(opt) for opt in base]
    if keep_alive:
        present = {(level, name) for level, name, _ in chosen}
        chosen += [opt for opt in _keepalive_options() if (opt[0], opt[1]) not in present]
    return chosen


def _env_proxy(kind: str, host: str) -> str | None:
    from urllib.request import getproxies, proxy_bypass

    proxy = getproxies().get(kind)
    if not proxy or proxy_bypass(host):
        return None
    return proxy


def choose_proxy(options: OptionsLike, dsn: Dsn) -> str | None:
    """The proxy URL to use for ``dsn``, if any.

    An ``https_proxy`` / ``http_proxy`` option wins; ``""`` turns the proxy off.
    Otherwise the environment's ``HTTPS_PROXY`` / ``HTTP_PROXY`` apply, unless
    ``NO_PROXY`` names the host. An https DSN tries the https proxy first, then
    the http one.
    """
    kinds = ("https", "http") if dsn.scheme == "https" else ("http",)
    for kind in kinds:
        configured = options.get(f"{kind}_proxy")
        if configured == "":
            continue
        proxy = configured or _env_proxy(kind, dsn.host)
        if proxy:
            return str(proxy)
    return None


def ca_certs(options: OptionsLike) -> str | None:
    """The CA bundle (file or directory): the option, ``SSL_CERT_FILE``,
    ``REQUESTS_CA_BUNDLE``, else certifi's."""
    given = options.get("ca_certs")
    if given:
        return str(given)
    env = os.environ.get("SSL_CERT_FILE") or os.environ.get("REQUESTS_CA_BUNDLE")
    if env:
        return env
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi is a dependency
        return None
    return certifi.where()


def tls_context(options: OptionsLike) -> ssl.SSLContext:
    """Certificates verified (host name too) against ``ca_certs``; client certificate if given."""
    import ssl

    bundle = ca_certs(options)
    if bundle and os.path.isdir(bundle):
        context = ssl.create_default_context(capath=bundle)
    else:
        context = ssl.create_default_context(cafile=bundle)
    cert_file = options.get("cert_file")
    if cert_file:
        context.load_cert_chain(str(cert_file), options.get("key_file") or None)
    return context


def request_headers(dsn: Dsn, compressed: bool) -> dict[str, str]:
    headers = {
        "User-Agent": USER_AGENT,
        "X-Sentry-Auth": dsn.auth_header(),
        "Content-Type": "application/x-sentry-envelope",
    }
    if compressed:
        headers["Content-Encoding"] = "gzip"
    return headers


def timeouts(deadline: float | None, now: float) -> tuple[float, float]:
    """(connect, read) timeouts, never beyond ``deadline`` (an inline flush at exit)."""
    if deadline is None:
        return CONNECT_TIMEOUT, READ_TIMEOUT
    left = max(deadline - now, 0.01)
    return min(CONNECT_TIMEOUT, left), min(READ_TIMEOUT, left)


class Direct:
    """Requests to the DSN's own host on one kept-alive connection."""

    def __init__(
        self, options: OptionsLike, dsn: Dsn, compressed: bool, pipelining: bool = True
    ) -> None:
        lines = [f"POST {dsn.path}/api/{dsn.project_id}/envelope/ HTTP/1.1", f"Host: {dsn.netloc}"]
        lines += [f"{name}: {value}" for name, value in request_headers(dsn, compressed).items()]
        self._head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode("latin-1")
        tls = tls_context(options) if dsn.scheme == "https" else None
        # off when the option says so, or once the server has mishandled a pipeline
        self.pipelining = bool(pipelining)
        self.connection = Connection(
            dsn.host, dsn.port, tls=tls,
            socket_options=socket_options(options) or DEFAULT_SOCKET_OPTIONS,
        )

    def send(self, body: bytes, deadline: float | None) -> None:
        self.send_many((body,), deadline)

    def send_many(self, bodies: Sequence[bytes], deadline: float | None) -> int:
        """Send the first of ``bodies``, or all of them back to back (HTTP/1.1 pipelining)
        when a connection the server kept alive is open; how many went out.

        A new connection carries one request: a server that closes after its answer
        (no keep-alive) could reset the connection under requests it did not read.
        """
        if len(bodies) > 1:
            if not (self.pipelining and self.connection.kept_alive()):
                bodies = bodies[:1]
            else:
                size, count = len(bodies[0]), 1
                while count < len(bodies) and size + len(bodies[count]) <= PIPELINE_BYTES:
                    size += len(bodies[count])
                    count += 1
                bodies = bodies[:count]
        connect, read = timeouts(deadline, time.monotonic())
        head = self._head
        data = b"".join([head + b"%d\r\n\r\n" % len(body) + body for body in bodies])
        self.connection.send(data, connect, read)
        if len(bodies) > 1:
            self.connection.quickack()
        return len(bodies)

    def receive(self) -> tuple[int, Headers | Mapping[str, str]]:
        return self.connection.receive()

    def closed(self) -> bool:
        """No connection is open (the server closed the last one after its answer)."""
        return self.connection.sock is None

    def close(self) -> None:
        self.connection.close()

    def forget(self) -> None:
        self.connection.forget()


def pool_kwargs(options: OptionsLike) -> dict[str, Any]:
    """Keyword arguments of the urllib3 proxy managers."""
    import urllib3

    kwargs: dict[str, Any] = {
        "num_pools": NUM_POOLS,
        "cert_reqs": "CERT_REQUIRED",
        "timeout": urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
        "retries": False,
    }
    bundle = ca_certs(options)
    if bundle and os.path.isdir(bundle):
        kwargs["ca_cert_dir"] = bundle
    elif bundle:
        kwargs["ca_certs"] = bundle
    if options.get("cert_file"):
        kwargs["cert_file"] = options.get("cert_file")
        kwargs["key_file"] = options.get("key_file")
    chosen = socket_options(options)
    if chosen is not None:
        kwargs["socket_options"] = chosen
    return kwargs


def _proxy_headers(options: OptionsLike, proxy: str) -> dict[str, str]:
    import urllib3

    headers = dict(options.get("proxy_headers") or {})
    auth = urllib3.util.parse_url(proxy).auth
    if auth and not any(key.lower() == "proxy-authorization" for key in headers):
        headers.update(urllib3.make_headers(proxy_basic_auth=auth))
    return headers


def make_proxy_pool(options: OptionsLike, proxy: str) -> urllib3.PoolManager:
    """A urllib3 ProxyManager (SOCKSProxyManager for ``socks*://``) for ``proxy``."""
    import urllib3

    kwargs = pool_kwargs(options)
    headers = _proxy_headers(options, proxy)
    if proxy.startswith("socks"):
        from urllib3.contrib.socks import SOCKSProxyManager  # needs PySocks

        return SOCKSProxyManager(proxy, headers=headers or None, **kwargs)
    return urllib3.ProxyManager(proxy, proxy_headers=headers or None, **kwargs)


class Proxied:
    """Requests through a proxy, with urllib3 (one exchange per ``send``)."""

    def __init__(self, options: OptionsLike, dsn: Dsn, compressed: bool, proxy: str) -> None:
        self.pool = make_proxy_pool(options, proxy)
        self.url = dsn.envelope_url
        self.headers = request_headers(dsn, compressed)
        self._answer: tuple[int, Mapping[str, str]] | None = None

    pipelining = False  # urllib3 has one request on a connection at a time

    def send_many(self, bodies: Sequence[bytes], deadline: float | None) -> int:
        """Send the first of ``bodies`` (no pipelining through urllib3); 1."""
        self.send(bodies[0], deadline)
        return 1

    def send(self, body: bytes, deadline: float | None) -> None:
        import urllib3

        self._answer = None
        kwargs: dict[str, Any] = {}
        if deadline is not None:
            connect, read = timeouts(deadline, time.monotonic())
            kwargs["timeout"] = urllib3.Timeout(connect=connect, read=read)
        try:
            response = self.pool.request(
                "POST", self.url, body=body, headers=self.headers, retries=False, **kwargs
            )
        except urllib3.exceptions.ProtocolError as exc:
            # most likely a kept-alive connection the server had closed: one more try
            raise StaleConnection(str(exc)) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise ConnectionError(str(exc)) from exc
        self._answer = (response.status, response.headers)

    def closed(self) -> bool:
        return False  # one request at a time: nothing waits behind an answer

    def receive(self) -> tuple[int, Headers | Mapping[str, str]]:
        if self._answer is None:
            raise ConnectionError("nothing was sent")
        answer, self._answer = self._answer, None
        return answer

    def close(self) -> None:
        self._answer = None

    def forget(self) -> None:
        self._answer = None


def make_channel(
    options: OptionsLike, dsn: Dsn, compressed: bool, pipelining: bool = True
) -> Direct | Proxied:
    """The channel to ``dsn``: through the proxy that applies, else direct."""
    proxy = choose_proxy(options, dsn)
    if proxy:
        return Proxied(options, dsn, compressed, proxy)
    return Direct(options, dsn, compressed, pipelining)


__all__ = [
    "CONNECT_TIMEOUT",
    "DEFAULT_SOCKET_OPTIONS",
    "READ_TIMEOUT",
    "Direct",
    "Proxied",
    "ca_certs",
    "choose_proxy",
    "make_channel",
    "make_proxy_pool",
    "pool_kwargs",
    "request_headers",
    "socket_options",
    "timeouts",
    "tls_context",
]
