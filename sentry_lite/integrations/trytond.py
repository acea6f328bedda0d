"""``sentry_sdk.integrations.trytond``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

TrytondWSGIIntegration = absent_class("trytond")

__all__ = ["TrytondWSGIIntegration"]
