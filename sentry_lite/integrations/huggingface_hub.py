"""``sentry_sdk.integrations.huggingface_hub``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

HuggingfaceHubIntegration = absent_class("huggingface_hub")

__all__ = ["HuggingfaceHubIntegration"]
