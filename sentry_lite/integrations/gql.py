"""``sentry_sdk.integrations.gql``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

GQLIntegration = absent_class("gql")

__all__ = ["GQLIntegration"]
