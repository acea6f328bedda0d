"""``sentry_sdk.integrations.clickhouse_driver``: not implemented by sentry_lite
(see ``_absent``)."""

from sentry_lite.integrations._absent import absent_class

ClickhouseDriverIntegration = absent_class("clickhouse_driver")

__all__ = ["ClickhouseDriverIntegration"]
