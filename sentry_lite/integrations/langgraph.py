"""``sentry_sdk.integrations.langgraph``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

LanggraphIntegration = absent_class("langgraph")

__all__ = ["LanggraphIntegration"]
