"""``sentry_sdk.integrations.executing``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

ExecutingIntegration = absent_class("executing")

__all__ = ["ExecutingIntegration"]
