"""``sentry_sdk.integrations.pure_eval``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

PureEvalIntegration = absent_class("pure_eval")

__all__ = ["PureEvalIntegration"]
