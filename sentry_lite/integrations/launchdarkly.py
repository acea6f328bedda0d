"""``sentry_sdk.integrations.launchdarkly``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

LaunchDarklyIntegration = absent_class("launchdarkly")

__all__ = ["LaunchDarklyIntegration"]
