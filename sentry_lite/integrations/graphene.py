"""Graphene: a span per operation and the errors of every result reported.

Graphene's ``Schema.execute`` / ``execute_async`` call ``graphql_sync`` / ``graphql`` from
``graphene.types.schema``; both are wrapped. Each execution gets an
:class:`~sentry_lite.integrations._graphql.Operation` (breadcrumb, span with the operation's
name and type, the document with PII) and each error of the result is captured with
``mechanism: graphene, handled: false``: the resolver's own exception, with its stack
(upstream sends graphql-core's ``GraphQLError`` wrapper), else the ``GraphQLError`` (a
syntax or validation error).
"""

from __future__ import annotations

import functools

from sentry_lite.integrations import DidNotEnable, Integration, active, patch
from sentry_lite.integrations._graphql import Operation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

IDENTIFIER = "graphene"
ORIGIN = "auto.graphql.graphene"


class GrapheneIntegration(Integration):
    """Report GraphQL errors of Graphene schemas and trace their operations."""

    identifier = IDENTIFIER

    @staticmethod
    def setup_once() -> None:
        try:
            from graphene.types import schema  # type: ignore[import-untyped]
        except ImportError as exc:
            raise DidNotEnable(f"graphene is not installed ({exc})") from None
        patch(IDENTIFIER, schema, "graphql_sync", _sync(schema.graphql_sync))
        patch(IDENTIFIER, schema, "graphql", _async(schema.graphql))


def _sync(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def graphql_sync(schema: Any, source: Any, *args: Any, **kwargs: Any) -> Any:
        if active(IDENTIFIER) is None:
            return original(schema, source, *args, **kwargs)
        with Operation(source, kwargs.get("operation_name"), ORIGIN) as operation:
            result = original(schema, source, *args, **kwargs)
            operation.capture_errors(getattr(result, "errors", None), IDENTIFIER)
        return result

    return graphql_sync


def _async(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def graphql(schema: Any, source: Any, *args: Any, **kwargs: Any) -> Any:
        if active(IDENTIFIER) is None:
            return await original(schema, source, *args, **kwargs)
        with Operation(source, kwargs.get("operation_name"), ORIGIN) as operation:
            result = await original(schema, source, *args, **kwargs)
            operation.capture_errors(getattr(result, "errors", None), IDENTIFIER)
        return result

    return graphql


__all__ = ["GrapheneIntegration"]
