"""``sentry_sdk.integrations.spark``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

SparkIntegration = absent_class("spark")

__all__ = ["SparkIntegration"]
