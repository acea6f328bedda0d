"""``sentry_sdk.integrations.gnu_backtrace``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

GnuBacktraceIntegration = absent_class("gnu_backtrace")

__all__ = ["GnuBacktraceIntegration"]
