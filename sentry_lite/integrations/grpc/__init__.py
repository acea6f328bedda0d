"""gRPC (``grpcio``, sync and ``grpc.aio``): client spans with trace propagation, a
transaction per server call, and the errors server handlers raise.

``GRPCIntegration.setup_once()`` wraps the factories the application calls, so that what
they make carries the interceptors:

- ``grpc.insecure_channel`` / ``secure_channel``: the channel is intercepted by a
  :class:`~sentry_lite.integrations.grpc.client.ClientInterceptor` (once:
  ``grpc.intercept_channel`` drops a second one);
- ``grpc.aio.insecure_channel`` / ``secure_channel``: the two aio client interceptors go
  first in ``interceptors``;
- ``grpc.server`` / ``grpc.aio.server``: a server interceptor goes first in
  ``interceptors``, unless the application already passed one of ours (with its own
  ``find_name``).

Channels and servers made before the integration was set up are left as they are.
"""

from __future__ import annotations

from sentry_lite.integrations import DidNotEnable, Integration, active, patch
from sentry_lite.integrations.grpc._common import IDENTIFIER

try:
    import grpc  # type: ignore[import-untyped,import-not-found,unused-ignore]
    import grpc.aio  # type: ignore[import-untyped,import-not-found,unused-ignore]
except ImportError as exc:  # pragma: no cover - only without grpcio
    raise DidNotEnable("grpcio is not installed") from exc

from sentry_lite.integrations.grpc.aio.client import (
    SentryUnaryStreamClientInterceptor,
    SentryUnaryUnaryClientInterceptor,
)
from sentry_lite.integrations.grpc.aio.server import ServerInterceptor as AsyncServerInterceptor
from sentry_lite.integrations.grpc.client import ClientInterceptor
from sentry_lite.integrations.grpc.server import ServerInterceptor

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

MIN_VERSION = (1, 32)
_MARK = "_sentry_lite_intercepted"


class GRPCIntegration(Integration):
    """Interceptors on the channels and servers grpcio makes."""

    identifier = IDENTIFIER

    @staticmethod
    def setup_once() -> None:
        from sentry_lite._text import parse_version

        version = parse_version(grpc.__version__)
        if version is not None and version < MIN_VERSION:
            raise DidNotEnable(f"grpcio {grpc.__version__} is too old (1.32 or later)")
        intercept = grpc.intercept_channel
        for name in ("insecure_channel", "secure_channel"):
            patch(IDENTIFIER, grpc, name, _sync_channel(getattr(grpc, name), intercept))
            patch(IDENTIFIER, grpc.aio, name, _aio_channel(getattr(grpc.aio, name)))
        patch(IDENTIFIER, grpc, "intercept_channel", _intercept_channel(intercept))
        patch(IDENTIFIER, grpc, "server", _server(grpc.server, ServerInterceptor))
        patch(IDENTIFIER, grpc.aio, "server", _server(grpc.aio.server, AsyncServerInterceptor))


def _mark(channel: Any) -> Any:
    try:
        setattr(channel, _MARK, True)
    except Exception:
        pass
    return channel


def _sync_channel(factory: Callable[..., Any], intercept: Callable[..., Any]) -> Callable[..., Any]:
    def channel(*args: Any, **kwargs: Any) -> Any:
        made = factory(*args, **kwargs)
        if active(IDENTIFIER) is None:
            return made
        interceptor = ClientInterceptor()
        interceptor._auto = True
        return _mark(intercept(made, interceptor))

    return channel


def _intercept_channel(intercept: Callable[..., Any]) -> Callable[..., Any]:
    def intercept_channel(channel: Any, *interceptors: Any) -> Any:
        if getattr(channel, _MARK, False):
            interceptors = tuple(i for i in interceptors if not isinstance(i, ClientInterceptor))
            return _mark(intercept(channel, *interceptors))
        made = intercept(channel, *interceptors)
        if any(isinstance(i, ClientInterceptor) for i in interceptors):
            _mark(made)
        return made

    return intercept_channel


def _aio_channel(factory: Callable[..., Any]) -> Callable[..., Any]:
    def channel(*args: Any, **kwargs: Any) -> Any:
        if active(IDENTIFIER) is not None:
            given = list(kwargs.get("interceptors") or ())
            ours: list[Any] = []
            for kind in (SentryUnaryUnaryClientInterceptor, SentryUnaryStreamClientInterceptor):
                if not any(isinstance(i, kind) for i in given):
                    interceptor = kind()
                    interceptor._auto = True
                    ours.append(interceptor)
            kwargs["interceptors"] = ours + given
        return factory(*args, **kwargs)

    return channel


def _server(factory: Callable[..., Any], kind: type[Any]) -> Callable[..., Any]:
    def server(*args: Any, **kwargs: Any) -> Any:
        if active(IDENTIFIER) is None:
            return factory(*args, **kwargs)
        args_list = list(args)
        positional = len(args_list) > 2  # server(thread_pool, handlers, interceptors, ...)
        given = list((args_list[2] if positional else kwargs.get("interceptors")) or ())
        if not any(isinstance(i, kind) for i in given):
            interceptor = kind()
            interceptor._auto = True
            given.insert(0, interceptor)
        if positional:
            args_list[2] = given
        else:
            kwargs["interceptors"] = given
        return factory(*args_list, **kwargs)

    return server


__all__ = ["ClientInterceptor", "GRPCIntegration", "ServerInterceptor"]
