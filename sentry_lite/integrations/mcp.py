"""``sentry_sdk.integrations.mcp``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

MCPIntegration = absent_class("mcp")

__all__ = ["MCPIntegration"]
