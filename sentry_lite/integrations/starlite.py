"""``sentry_sdk.integrations.starlite``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

StarliteIntegration = absent_class("starlite")

__all__ = ["StarliteIntegration"]
