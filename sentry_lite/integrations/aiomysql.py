"""``sentry_sdk.integrations.aiomysql``: not implemented by sentry_lite (see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

AioMySQLIntegration = absent_class("aiomysql")

__all__ = ["AioMySQLIntegration"]
