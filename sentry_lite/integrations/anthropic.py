"""``sentry_sdk.integrations.anthropic``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

AnthropicIntegration = absent_class("anthropic")

__all__ = ["AnthropicIntegration"]
