"""What the options say about the way to the server: proxy, CA bundle, socket options.

Stdlib only (the pool itself is built by ``_route.py``, in the worker thread).
"""

from __future__ import annotations

import socket

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sentry_lite._dsn import Dsn
    from sentry_lite._options import Options

    SocketOption = tuple[int, int, int | bytes]

# What urllib3 sets too: small requests must not wait for Nagle's algorithm.
DEFAULT_SOCKET_OPTIONS: list[SocketOption] = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


def keepalive_options() -> list[SocketOption]:
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


def socket_options(options: Options) -> list[SocketOption] | None:
    """The socket options of the connections (None: urllib3's defaults, TCP_NODELAY)."""
    given = options.socket_options
    keep_alive = bool(options.keep_alive)
    if given is None and not keep_alive:
        return None
    base = given if given is not None else DEFAULT_SOCKET_OPTIONS
    chosen: list[SocketOption] = [tuple(opt) for opt in base]
    if keep_alive:
        present = {(level, name) for level, name, _ in chosen}
        chosen += [opt for opt in keepalive_options() if (opt[0], opt[1]) not in present]
    return chosen


def _env_proxy(kind: str, host: str) -> str | None:
    from urllib.request import getproxies, proxy_bypass

    proxy = getproxies().get(kind)
    if not proxy or proxy_bypass(host):
        return None
    return proxy


def choose_proxy(options: Options, dsn: Dsn) -> str | None:
    """The proxy URL to use for ``dsn``, if any.

    An ``https_proxy`` / ``http_proxy`` option wins; ``""`` turns the proxy off.
    Otherwise the environment's ``HTTPS_PROXY`` / ``HTTP_PROXY`` apply, unless
    ``NO_PROXY`` names the host. An https DSN tries the https proxy first, then
    the http one.
    """
    kinds = ("https", "http") if dsn.scheme == "https" else ("http",)
    for kind in kinds:
        configured = options.https_proxy if kind == "https" else options.http_proxy
        if configured == "":
            continue
        proxy = configured or _env_proxy(kind, dsn.host)
        if proxy:
            return str(proxy)
    return None


def ca_certs(options: Options) -> str | None:
    """The CA bundle (file or directory): the option (which ``init()`` takes from
    ``SSL_CERT_FILE`` or ``REQUESTS_CA_BUNDLE`` when not given), else certifi's."""
    given = options.ca_certs
    if given:
        return str(given)
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi is a dependency
        return None
    return certifi.where()


__all__ = ["DEFAULT_SOCKET_OPTIONS", "ca_certs", "choose_proxy", "keepalive_options",
           "socket_options"]
