"""``sentry_sdk.integrations.litellm``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

LiteLLMIntegration = absent_class("litellm")

__all__ = ["LiteLLMIntegration"]
