"""``sentry_sdk.integrations.grpc.consts``: the origin of the gRPC spans and transactions."""

SPAN_ORIGIN = "auto.grpc.grpc"

__all__ = ["SPAN_ORIGIN"]
