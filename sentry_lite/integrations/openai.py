"""``sentry_sdk.integrations.openai``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

OpenAIIntegration = absent_class("openai")

__all__ = ["OpenAIIntegration"]
