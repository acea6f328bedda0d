"""``sentry_sdk.integrations.langchain``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

LangchainIntegration = absent_class("langchain")

__all__ = ["LangchainIntegration"]
