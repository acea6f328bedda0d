"""Strawberry: a span per operation and the errors of every result reported.

``Schema.execute`` and ``Schema.execute_sync`` (what Strawberry's views for every framework
and your own code call) are wrapped on the class, so every schema is covered, created
before or after ``init()``. Each execution runs in an
:class:`~sentry_lite.integrations._graphql.Operation` (breadcrumb, span, the query with
PII) and each error of the result is captured with ``mechanism: strawberry, handled:
false``. Strawberry's own error log (``strawberry.execution``) is not reported again.

Upstream adds a schema extension (spans for parsing, validation and each resolver too) and
reports errors from the HTTP views only; here errors are reported for every execution and
there is one span per operation. ``async_execution`` is accepted and has no effect (both
paths are wrapped).
"""

from __future__ import annotations

import functools

from sentry_lite.integrations import DidNotEnable, Integration, active, patch
from sentry_lite.integrations._graphql import Operation
from sentry_lite.integrations._jobs import quiet_loggers

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

IDENTIFIER = "strawberry"
ORIGIN = "auto.graphql.strawberry"


class StrawberryIntegration(Integration):
    """Report GraphQL errors of Strawberry schemas and trace their operations."""

    identifier = IDENTIFIER

    def __init__(self, async_execution: bool | None = None) -> None:
        if async_execution not in (True, False, None):
            raise ValueError('async_execution must be True, False or None')
        self.async_execution = async_execution

    @staticmethod
    def setup_once() -> None:
        try:
            from strawberry.schema.schema import Schema
        except ImportError as exc:
            raise DidNotEnable(f"strawberry is not installed ({exc})") from None
        patch(IDENTIFIER, Schema, "execute", _async(Schema.execute))
        patch(IDENTIFIER, Schema, "execute_sync", _sync(Schema.execute_sync))
        quiet_loggers(IDENTIFIER, ("strawberry.execution",))


def _operation_name(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    # (query, variable_values, context_value, root_value, operation_name, ...)
    name = kwargs.get("operation_name", args[3] if len(args) > 3 else None)
    return name if isinstance(name, str) else None


def _sync(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def execute_sync(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        if active(IDENTIFIER) is None:
            return original(self, query, *args, **kwargs)
        with Operation(query or "", _operation_name(args, kwargs), ORIGIN) as operation:
            result = original(self, query, *args, **kwargs)
            operation.capture_errors(getattr(result, "errors", None), IDENTIFIER)
        return result

    return execute_sync


def _async(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        if active(IDENTIFIER) is None:
            return await original(self, query, *args, **kwargs)
        with Operation(query or "", _operation_name(args, kwargs), ORIGIN) as operation:
            result = await original(self, query, *args, **kwargs)
            operation.capture_errors(getattr(result, "errors", None), IDENTIFIER)
        return result

    return execute


__all__ = ["StrawberryIntegration"]
