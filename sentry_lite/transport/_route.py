"""The way to the server: one POST through urllib3, and its answer.

Imported only by the worker thread, when it sends its first envelope (that is
when urllib3 is loaded). ``Route`` holds one urllib3 connection pool for the
DSN's origin (reached directly, through an HTTP(S) proxy or a SOCKS proxy), kept
alive between envelopes, and calls the pool's ``urlopen`` with the few
arguments it needs: no retries inside urllib3 (the sender decides), redirects
followed here (301, 302, 307 and 308, re-posting the body as the official SDK's
urllib3 setup does; a permanent one is remembered), the answer's body read
away (at most ``DRAIN_LIMIT`` bytes, else the connection is closed).

``post`` returns an ``Answer`` as soon as a status line and headers were read:
what breaks after that (a body shorter than announced, a reset) never changes
the outcome. It raises ``NotSent`` when the request cannot have reached the
server (no connection, TLS handshake refused) and ``Unanswered`` when it may
have (sent, then no complete status line).
"""

from __future__ import annotations

import encodings.idna  # noqa: F401 - the first connection would load it (host names)
import os
from typing import NamedTuple
from urllib.parse import urljoin

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    SSLError,
)
from urllib3.util.proxy import connection_requires_http_tunnel

from sentry_lite.consts import USER_AGENT
from sentry_lite.transport._sender import Answer, NotSent, Unanswered
from sentry_lite.transport._settings import ca_certs, choose_proxy, socket_options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from urllib3.connectionpool import HTTPConnectionPool
    from urllib3.response import BaseHTTPResponse

    from sentry_lite._dsn import Dsn
    from sentry_lite._options import Options

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
NUM_POOLS = 2
MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 307, 308})
PERMANENT = frozenset({301, 308})
DRAIN_LIMIT = 1024 * 1024


class _Target(NamedTuple):
    pool: HTTPConnectionPool
    url: str  # what urlopen gets: the path, or the whole URL for a forwarding proxy
    full_url: str  # where it goes (the base of a relative redirect)


def request_headers(dsn: Dsn, compressed: bool) -> dict[str, str]:
    headers = {
        "User-Agent": USER_AGENT,
        "X-Sentry-Auth": dsn.auth_header(),
        "Content-Type": "application/x-sentry-envelope",
    }
    if compressed:
        headers["Content-Encoding"] = "gzip"
    return headers


def pool_kwargs(options: Options) -> dict[str, Any]:
    """Keyword arguments of the urllib3 pool manager: TLS, socket options, timeouts."""
    kwargs: dict[str, Any] = {
        "num_pools": options.transport_num_pools or NUM_POOLS,
        "cert_reqs": "CERT_REQUIRED",
        "timeout": urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
        "retries": False,
    }
    bundle = ca_certs(options)
    if bundle and os.path.isdir(bundle):
        kwargs["ca_cert_dir"] = bundle
    elif bundle:
        kwargs["ca_certs"] = bundle
    if options.cert_file:  # init() reads CLIENT_CERT_FILE / CLIENT_KEY_FILE when not given
        kwargs["cert_file"] = options.cert_file
        kwargs["key_file"] = options.key_file
    chosen = socket_options(options)
    if chosen is not None:
        kwargs["socket_options"] = chosen
    return kwargs


def _proxy_headers(options: Options, proxy: str) -> dict[str, str]:
    headers = dict(options.proxy_headers or {})
    auth = urllib3.util.parse_url(proxy).auth
    if auth and not any(key.lower() == "proxy-authorization" for key in headers):
        headers.update(urllib3.make_headers(proxy_basic_auth=auth))
    return headers


def make_manager(options: Options, dsn: Dsn) -> urllib3.PoolManager:
    """The pool manager for ``dsn``: a proxy manager when a proxy applies."""
    kwargs = pool_kwargs(options)
    proxy = choose_proxy(options, dsn)
    if not proxy:
        return urllib3.PoolManager(**kwargs)
    headers = _proxy_headers(options, proxy)
    if proxy.startswith("socks"):
        from urllib3.contrib.socks import SOCKSProxyManager  # needs PySocks

        return SOCKSProxyManager(proxy, headers=headers or None, **kwargs)
    return urllib3.ProxyManager(proxy, proxy_headers=headers or None, **kwargs)


def timeout_for(deadline: float | None, now: float) -> urllib3.Timeout | None:
    """The timeouts of a request that must end by ``deadline`` (None: the pool's)."""
    if deadline is None:
        return None
    left = max(deadline - now, 0.01)
    return urllib3.Timeout(connect=min(CONNECT_TIMEOUT, left), read=min(READ_TIMEOUT, left))


class Route:
    """POSTs bodies to the DSN's envelope endpoint over kept-alive connections."""

    def __init__(self, options: Options, dsn: Dsn, compressed: bool) -> None:
        self._manager = make_manager(options, dsn)
        self._headers = request_headers(dsn, compressed)
        self._target = self._target_for(dsn.envelope_url)

    def _target_for(self, url: str) -> _Target:
        manager = self._manager
        pool = manager.connection_from_url(url)
        if isinstance(manager, urllib3.ProxyManager) and not connection_requires_http_tunnel(
            manager.proxy, manager.proxy_config, urllib3.util.parse_url(url).scheme
        ):
            return _Target(pool, url, url)  # a forwarding proxy takes the whole URL
        return _Target(pool, urllib3.util.parse_url(url).request_uri, url)

    def post(self, body: bytes, deadline: float | None, now: float) -> Answer:
        """POST ``body``; the final answer after redirects. Raises NotSent or Unanswered."""
        target = self._target
        timeout = timeout_for(deadline, now)
        for hop in range(MAX_REDIRECTS + 1):
            response = self._urlopen(target, body, timeout)
            status = response.status
            location = response.headers.get("Location") if status in REDIRECTS else None
            if not location or hop == MAX_REDIRECTS:
                headers = response.headers
                _drain(response)
                return Answer(status, headers)
            _drain(response)
            target = self._target_for(urljoin(target.full_url, location))
            if status in PERMANENT:
                self._target = target  # moved for good: go there directly from now on
        raise AssertionError("unreachable")  # pragma: no cover

    def _urlopen(
        self, target: _Target, body: bytes, timeout: urllib3.Timeout | None
    ) -> BaseHTTPResponse:
        kwargs: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}
        for attempt in (1, 2):
            try:
                return target.pool.urlopen(
                    "POST", target.url, body=body, headers=self._headers, retries=False,
                    redirect=False, assert_same_host=False, preload_content=False, **kwargs,
                )
            except (NewConnectionError, ConnectTimeoutError, SSLError, ProxyError) as exc:
                raise NotSent(repr(exc)) from exc
            except ProtocolError as exc:
                # Most often a kept-alive connection the server closed as we used it:
                # once more, on a new connection (urllib3 drops the broken one).
                if attempt == 2:
                    raise Unanswered(repr(exc)) from exc
            except (HTTPError, OSError) as exc:
                raise Unanswered(repr(exc)) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self._manager.clear()


def _drain(response: BaseHTTPResponse) -> None:
    """Read the answer's body away, so that its connection can carry the next request.

    Errors are ignored: the status line has decided. A body longer than
    ``DRAIN_LIMIT`` is not read: the connection is closed instead.
    """
    length = response.length_remaining
    if length is not None and length > DRAIN_LIMIT:
        response.close()
    else:
        read = 0
        try:
            while read <= DRAIN_LIMIT:
                chunk = response.read(65536)
                if not chunk:
                    break
                read += len(chunk)
            else:
                response.close()
        except Exception:
            response.close()
    response.release_conn()


__all__ = [
    "CONNECT_TIMEOUT",
    "READ_TIMEOUT",
    "Route",
    "make_manager",
    "pool_kwargs",
    "request_headers",
    "timeout_for",
]
