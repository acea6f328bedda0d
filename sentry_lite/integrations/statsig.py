"""``sentry_sdk.integrations.statsig``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

StatsigIntegration = absent_class("statsig")

__all__ = ["StatsigIntegration"]
