"""``sentry_sdk.integrations.beam``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

BeamIntegration = absent_class("beam")

__all__ = ["BeamIntegration"]
