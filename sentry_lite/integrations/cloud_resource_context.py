"""``sentry_sdk.integrations.cloud_resource_context``: not implemented by sentry_lite
(see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

CloudResourceContextIntegration = absent_class("cloud_resource_context")

__all__ = ["CloudResourceContextIntegration"]
