"""The way to the server: proxies (options and environment), socket options, TLS, timeouts."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3

from sentry_lite._dsn import Dsn
from sentry_lite._loopback import LoopbackServer
from sentry_lite._options import Options, build_options
from sentry_lite.envelope import Envelope
from sentry_lite.transport._http import HttpTransport
from sentry_lite.transport._route import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    Route,
    make_manager,
    pool_kwargs,
    timeout_for,
)
from sentry_lite.transport._settings import choose_proxy, socket_options

HTTPS_DSN = Dsn("https://key@sentry.example.com/1")
HTTP_DSN = Dsn("http://key@sentry.example.com/1")


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


def _envelope(n: int = 0) -> Envelope:
    envelope = Envelope(headers={"event_id": f"{n:032x}"})
    envelope.add_event({"event_id": f"{n:032x}", "message": f"event {n}"})
    return envelope


# -- proxies -------------------------------------------------------------------------


def test_no_proxy_by_default(no_proxy_env: pytest.MonkeyPatch) -> None:
    assert choose_proxy(Options(), HTTPS_DSN) is None
    assert not isinstance(make_manager(Options(), HTTPS_DSN), urllib3.ProxyManager)
    proxied = make_manager(Options(https_proxy="http://s:2"), HTTPS_DSN)
    assert isinstance(proxied, urllib3.ProxyManager)


def test_the_pool_manager_keeps_two_pools_unless_told(no_proxy_env: pytest.MonkeyPatch) -> None:
    assert make_manager(Options(), HTTPS_DSN).pools._maxsize == 2
    options = build_options(None, {"_experiments": {"transport_num_pools": 5}})
    assert make_manager(options, HTTPS_DSN).pools._maxsize == 5


def test_options_choose_by_scheme_and_https_falls_back_to_http(
    no_proxy_env: pytest.MonkeyPatch,
) -> None:
    both = Options(http_proxy="http://h:1", https_proxy="http://s:2")
    assert choose_proxy(both, HTTPS_DSN) == "http://s:2"
    assert choose_proxy(both, HTTP_DSN) == "http://h:1"
    assert choose_proxy(Options(http_proxy="http://h:1"), HTTPS_DSN) == "http://h:1"
    assert choose_proxy(Options(https_proxy="http://s:2"), HTTP_DSN) is None


def test_environment_is_used_unless_no_proxy_names_the_host(
    no_proxy_env: pytest.MonkeyPatch,
) -> None:
    no_proxy_env.setenv("HTTPS_PROXY", "http://env-s:3")
    no_proxy_env.setenv("HTTP_PROXY", "http://env-h:4")
    assert choose_proxy(Options(), HTTPS_DSN) == "http://env-s:3"
    assert choose_proxy(Options(), HTTP_DSN) == "http://env-h:4"
    no_proxy_env.setenv("NO_PROXY", "localhost,.example.com")
    assert choose_proxy(Options(), HTTPS_DSN) is None
    assert choose_proxy(Options(), HTTP_DSN) is None
    # An explicit option still wins over NO_PROXY.
    assert choose_proxy(Options(https_proxy="http://opt:5"), HTTPS_DSN) == "http://opt:5"


def test_an_empty_option_turns_the_environment_proxy_off(
    no_proxy_env: pytest.MonkeyPatch,
) -> None:
    no_proxy_env.setenv("HTTPS_PROXY", "http://env-s:3")
    no_proxy_env.setenv("HTTP_PROXY", "http://env-h:4")
    assert choose_proxy(Options(https_proxy=""), HTTPS_DSN) == "http://env-h:4"
    assert choose_proxy(Options(https_proxy="", http_proxy=""), HTTPS_DSN) is None


def test_envelopes_go_through_an_http_proxy_with_its_headers(
    no_proxy_env: pytest.MonkeyPatch,
) -> None:
    with LoopbackServer() as proxy:
        proxy_url = proxy.url.replace("http://", "http://user:pw@")
        options = build_options(
            "http://public@sentry.invalid/1",
            {"http_proxy": proxy_url, "proxy_headers": {"X-Proxy-Note": "hi"}},
        )
        transport = HttpTransport(options)
        try:
            transport.capture_envelope(_envelope())
            assert transport.flush(10)
        finally:
            transport.kill()
        (request,) = proxy.requests
        assert request.proxied
        assert request.target == "http://sentry.invalid/api/1/envelope/"
        assert request.header("X-Proxy-Note") == "hi"
        assert request.header("Proxy-Authorization") == "Basic dXNlcjpwdw=="  # user:pw
        assert len(proxy.events) == 1


def test_env_proxy_is_skipped_for_a_no_proxy_host(no_proxy_env: pytest.MonkeyPatch) -> None:
    with LoopbackServer() as server:
        no_proxy_env.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
        no_proxy_env.setenv("NO_PROXY", "127.0.0.1")
        transport = HttpTransport(build_options(server.dsn))
        try:
            transport.capture_envelope(_envelope())
            assert transport.flush(10)
        finally:
            transport.kill()
        assert not server.requests[0].proxied
        assert len(server.events) == 1


# -- socket options ------------------------------------------------------------------


def test_socket_options() -> None:
    from urllib3.connection import HTTPConnection

    assert socket_options(Options()) is None
    keepalive = socket_options(Options(keep_alive=True))
    assert keepalive is not None
    assert keepalive[: len(HTTPConnection.default_socket_options)] == [
        tuple(o) for o in HTTPConnection.default_socket_options
    ]
    assert (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1) in keepalive
    mine = [
        (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 0),
        (socket.IPPROTO_TCP, socket.TCP_NODELAY, 0),
    ]
    assert socket_options(Options(socket_options=mine)) == mine
    merged = socket_options(Options(socket_options=mine, keep_alive=True))
    assert merged is not None
    assert merged[:2] == mine  # the user's own SO_KEEPALIVE setting is kept, not doubled
    assert sum(1 for level, name, _ in merged if name == socket.SO_KEEPALIVE) == 1


def test_keep_alive_reaches_the_socket() -> None:
    with LoopbackServer() as server:
        route = Route(Options(keep_alive=True), Dsn(server.dsn), False)
        try:
            assert route.post(_envelope().serialize(), None, 0.0).status == 200
            connection: Any = route._target.pool._get_conn()  # the kept-alive one
            sock: Any = connection.sock
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            if hasattr(socket, "TCP_KEEPIDLE"):
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 45
        finally:
            route.close()
        assert len(server.events) == 1


# -- TLS and timeouts ----------------------------------------------------------------


def test_ca_certs_option_environment_and_certifi(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import certifi

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    assert pool_kwargs(Options())["ca_certs"] == certifi.where()
    assert pool_kwargs(Options(ca_certs="/my/ca.pem"))["ca_certs"] == "/my/ca.pem"
    assert pool_kwargs(Options(ca_certs=str(tmp_path)))["ca_cert_dir"] == str(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", "/env/ca.pem")  # read by init(), with the options
    assert pool_kwargs(build_options(None, {}))["ca_certs"] == "/env/ca.pem"
    kwargs = pool_kwargs(Options(cert_file="/c.pem", key_file="/k.pem"))
    assert (kwargs["cert_file"], kwargs["key_file"]) == ("/c.pem", "/k.pem")
    assert kwargs["cert_reqs"] == "CERT_REQUIRED"
    assert kwargs["retries"] is False


def test_timeouts_never_outlive_a_deadline() -> None:
    def pair(deadline: float | None) -> tuple[object, object] | None:
        timeout = timeout_for(deadline, 100.0)
        return None if timeout is None else (timeout.connect_timeout, timeout.read_timeout)

    assert pair(None) is None  # the pool's own: CONNECT_TIMEOUT, READ_TIMEOUT
    assert pool_kwargs(Options())["timeout"].read_timeout == READ_TIMEOUT
    assert pair(101.0) == (1.0, 1.0)
    assert pair(1000.0) == (CONNECT_TIMEOUT, READ_TIMEOUT)
    assert pair(90.0) == (0.01, 0.01)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A self-signed certificate for 127.0.0.1 (openssl command line)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not available")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    yield str(cert), str(key)


def test_https_with_ca_certs(certificate: tuple[str, str]) -> None:
    cert, key = certificate
    with LoopbackServer(certfile=cert, keyfile=key) as server:
        assert server.dsn.startswith("https://")
        transport = HttpTransport(build_options(server.dsn, {"ca_certs": cert}))
        try:
            transport.capture_envelope(_envelope())
            assert transport.flush(10)
        finally:
            transport.kill()
        assert len(server.events) == 1


def test_https_with_an_unknown_certificate_is_not_delivered(
    certificate: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    cert, key = certificate
    with LoopbackServer(certfile=cert, keyfile=key) as server:
        transport = HttpTransport(build_options(server.dsn))  # certifi does not know it
        try:
            transport.capture_envelope(_envelope())
            assert transport.flush(1) is False  # kept for a retry, never sent in clear
            assert len(transport._sender.retention) == 1
        finally:
            transport.kill()
        assert server.requests == []


def test_client_certificate(certificate: tuple[str, str]) -> None:
    cert, key = certificate
    with LoopbackServer(certfile=cert, keyfile=key, client_ca=cert) as server:
        anonymous = HttpTransport(build_options(server.dsn, {"ca_certs": cert}))
        options = {"ca_certs": cert, "cert_file": cert, "key_file": key}
        transport = HttpTransport(build_options(server.dsn, options))
        try:
            anonymous.capture_envelope(_envelope(1))
            assert anonymous.flush(1) is False  # the server wants a client certificate
            transport.capture_envelope(_envelope(2))
            assert transport.flush(10)
        finally:
            anonymous.kill()
            transport.kill()
        assert [event["message"] for event in server.events] == ["event 2"]
