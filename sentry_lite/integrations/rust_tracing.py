"""``sentry_sdk.integrations.rust_tracing``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

RustTracingIntegration = absent_class("rust_tracing")

__all__ = ["RustTracingIntegration"]
