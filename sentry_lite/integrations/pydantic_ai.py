"""``sentry_sdk.integrations.pydantic_ai``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

PydanticAIIntegration = absent_class("pydantic_ai")

__all__ = ["PydanticAIIntegration"]
