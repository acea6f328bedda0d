"""SocketIntegration: DNS and connection spans inside a sampled transaction, against a real
listening socket on 127.0.0.1."""

from __future__ import annotations

import socket
from typing import Any

import pytest

import sentry_lite
from sentry_lite.integrations import uninstall
from sentry_lite.integrations.socket import SocketIntegration


@pytest.fixture
def listener() -> Any:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server
    server.close()
    uninstall("socket")


def test_lookups_and_connections_are_spans_of_the_transaction(
    sentry_init: Any, sentry_transactions: list[Any], listener: Any,
) -> None:
    port = listener.getsockname()[1]
    sentry_init(traces_sample_rate=1.0, integrations=[SocketIntegration()])
    socket.create_connection(("127.0.0.1", port), timeout=5).close()  # no transaction: no span
    with sentry_lite.start_transaction(name="connect"):
        socket.getaddrinfo("localhost", port)
        socket.create_connection(("127.0.0.1", port), 5).close()
    (tx,) = sentry_transactions
    spans = {(span["op"], span["description"]): span for span in tx["spans"]}
    # create_connection looks the address up itself: a lookup span of its own
    assert set(spans) == {("socket.dns", f"localhost:{port}"), ("socket.dns", f"127.0.0.1:{port}"),
                          ("socket.connection", f"127.0.0.1:{port}")}
    dns = spans[("socket.dns", f"localhost:{port}")]
    assert dns["data"]["host"] == "localhost" and dns["data"]["port"] == port
    assert spans[("socket.connection", f"127.0.0.1:{port}")]["data"]["timeout"] == 5
    assert {span["origin"] for span in tx["spans"]} == {"auto.socket.socket"}


def test_a_failed_connection_ends_its_span_with_an_error(
    sentry_init: Any, sentry_transactions: list[Any], listener: Any,
) -> None:
    port = listener.getsockname()[1]
    listener.close()  # nothing listens any more: refused
    sentry_init(traces_sample_rate=1.0, integrations=[SocketIntegration()])
    with sentry_lite.start_transaction(name="connect"), pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=5)
    (span,) = [s for s in sentry_transactions[0]["spans"] if s["op"] == "socket.connection"]
    assert span["status"] == "internal_error"


def test_uninstalling_restores_the_socket_module(sentry_init: Any, listener: Any) -> None:
    original = socket.create_connection
    sentry_init(integrations=[SocketIntegration()])
    assert socket.create_connection is not original
    uninstall("socket")
    assert socket.create_connection is original
