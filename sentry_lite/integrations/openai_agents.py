"""``sentry_sdk.integrations.openai_agents``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

OpenAIAgentsIntegration = absent_class("openai_agents")

__all__ = ["OpenAIAgentsIntegration"]
