"""``sentry_sdk.integrations.cohere``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

CohereIntegration = absent_class("cohere")

__all__ = ["CohereIntegration"]
