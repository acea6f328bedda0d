"""``sentry_sdk.integrations.ray``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

RayIntegration = absent_class("ray")

__all__ = ["RayIntegration"]
