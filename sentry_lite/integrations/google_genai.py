"""``sentry_sdk.integrations.google_genai``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

GoogleGenAIIntegration = absent_class("google_genai")

__all__ = ["GoogleGenAIIntegration"]
