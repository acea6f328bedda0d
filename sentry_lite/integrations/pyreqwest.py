"""``sentry_sdk.integrations.pyreqwest``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

PyreqwestIntegration = absent_class("pyreqwest")

__all__ = ["PyreqwestIntegration"]
