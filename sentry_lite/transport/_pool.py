"""The urllib3 connection pool of the HTTP transport: TLS, proxies, socket options.

Imported only from the worker thread, when the first envelope is sent: this is
the module that pulls in urllib3, ssl and certifi.
"""

from __future__ import annotations

import os
import socket

import urllib3

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from sentry_lite._dsn import Dsn
    from sentry_lite._options import Options

    OptionsLike = Options | Mapping[str, Any]

    SocketOption = tuple[int, int, int | bytes]

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
NUM_POOLS = 2


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
    """The socket options of the pool's connections (None: urllib3's defaults)."""
    given = options.get("socket_options")
    keep_alive = bool(options.get("keep_alive"))
    if given is None and not keep_alive:
        return None
    from urllib3.connection import HTTPConnection

    base = given if given is not None else HTTPConnection.default_socket_options
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


def _ca_certs(options: OptionsLike) -> str | None:
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


def pool_kwargs(options: OptionsLike) -> dict[str, Any]:
    """Keyword arguments shared by the PoolManager and ProxyManager we build."""
    kwargs: dict[str, Any] = {
        "num_pools": NUM_POOLS,
        "cert_reqs": "CERT_REQUIRED",
        "timeout": urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
        "retries": False,
    }
    ca_certs = _ca_certs(options)
    if ca_certs and os.path.isdir(ca_certs):
        kwargs["ca_cert_dir"] = ca_certs
    elif ca_certs:
        kwargs["ca_certs"] = ca_certs
    if options.get("cert_file"):
        kwargs["cert_file"] = options.get("cert_file")
        kwargs["key_file"] = options.get("key_file")
    chosen = socket_options(options)
    if chosen is not None:
        kwargs["socket_options"] = chosen
    return kwargs


def _proxy_headers(options: OptionsLike, proxy: str) -> dict[str, str]:
    headers = dict(options.get("proxy_headers") or {})
    auth = urllib3.util.parse_url(proxy).auth
    if auth and not any(key.lower() == "proxy-authorization" for key in headers):
        headers.update(urllib3.make_headers(proxy_basic_auth=auth))
    return headers


def make_pool(options: OptionsLike, dsn: Dsn) -> urllib3.PoolManager:
    """A PoolManager (or a proxy manager) configured from the client options."""
    kwargs = pool_kwargs(options)
    proxy = choose_proxy(options, dsn)
    if not proxy:
        return urllib3.PoolManager(**kwargs)
    headers = _proxy_headers(options, proxy)
    if proxy.startswith("socks"):
        from urllib3.contrib.socks import SOCKSProxyManager  # needs PySocks

        return SOCKSProxyManager(proxy, headers=headers or None, **kwargs)
    return urllib3.ProxyManager(proxy, proxy_headers=headers or None, **kwargs)


def request_timeout(deadline: float | None, now: float) -> urllib3.Timeout | None:
    """A timeout no longer than what is left before ``deadline`` (None: the pool's)."""
    if deadline is None:
        return None
    left = max(deadline - now, 0.01)
    return urllib3.Timeout(connect=min(CONNECT_TIMEOUT, left), read=min(READ_TIMEOUT, left))


__all__ = ["choose_proxy", "make_pool", "pool_kwargs", "request_timeout", "socket_options"]
