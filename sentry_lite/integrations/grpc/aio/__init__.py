"""``sentry_sdk.integrations.grpc.aio``: the interceptors for ``grpc.aio`` channels and servers."""

from sentry_lite.integrations.grpc.aio.client import ClientInterceptor
from sentry_lite.integrations.grpc.aio.server import ServerInterceptor

__all__ = ["ClientInterceptor", "ServerInterceptor"]
