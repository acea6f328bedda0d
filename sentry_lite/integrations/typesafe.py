"""``sentry_sdk.integrations.typesafe``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

TypeSafeIntegration = absent_class("typesafe")

__all__ = ["TypeSafeIntegration"]
