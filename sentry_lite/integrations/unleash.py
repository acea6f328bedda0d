"""``sentry_sdk.integrations.unleash``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

UnleashIntegration = absent_class("unleash")

__all__ = ["UnleashIntegration"]
