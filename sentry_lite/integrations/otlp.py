"""``sentry_sdk.integrations.otlp``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

OTLPIntegration = absent_class("otlp")

__all__ = ["OTLPIntegration"]
