"""``sentry_sdk.integrations.mistral``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

MistralIntegration = absent_class("mistral")

__all__ = ["MistralIntegration"]
