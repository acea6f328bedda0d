"""``SocketIntegration`` (opt-in, as upstream): spans for DNS lookups and new connections.

``init(integrations=[SocketIntegration()])``: inside a sampled transaction,
``socket.getaddrinfo`` gets a span (op ``socket.dns``, named ``host:port``, data ``host`` and
``port``) and ``socket.create_connection`` one (op ``socket.connection``, data ``address``,
``timeout``, ``source_address``), origin ``auto.socket.socket``. The SDK's own connections
(its sender thread) are left out. Outside a sampled transaction a call costs one check.
"""

from __future__ import annotations

import socket

from sentry_lite.integrations import Integration, active, in_sdk_thread, patch
from sentry_lite.integrations._spans import child_span, timed

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

IDENTIFIER = "socket"
ORIGIN = "auto.socket.socket"


class SocketIntegration(Integration):
    identifier = IDENTIFIER
    origin = ORIGIN

    @staticmethod
    def setup_once() -> None:
        connect, lookup = socket.create_connection, socket.getaddrinfo

        def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
            span = _span("socket.connection", address) if active(IDENTIFIER) else None
            if span is None:
                return connect(address, *args, **kwargs)
            span.set_data("address", address)
            span.set_data("timeout", args[0] if args else kwargs.get("timeout"))
            span.set_data("source_address",
                          args[1] if len(args) > 1 else kwargs.get("source_address"))
            return timed(span, connect, address, *args, **kwargs)

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            span = _span("socket.dns", (host, port)) if active(IDENTIFIER) else None
            if span is None:
                return lookup(host, port, *args, **kwargs)
            span.set_data("host", host)
            span.set_data("port", port)
            return timed(span, lookup, host, port, *args, **kwargs)

        patch(IDENTIFIER, socket, "create_connection", create_connection)
        patch(IDENTIFIER, socket, "getaddrinfo", getaddrinfo)


def _span(op: str, address: Any) -> Any:
    if in_sdk_thread():
        return None
    try:
        host, port = address[0], address[1]
        name = f"{host.decode() if isinstance(host, bytes) else host}:{port}"
    except Exception:
        name = str(address)
    return child_span(op, name, ORIGIN)


__all__ = ["SocketIntegration"]
