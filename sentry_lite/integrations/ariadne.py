"""Ariadne: a span per operation and the errors of every result reported.

Hooked on the functions ``ariadne.graphql.graphql_sync`` / ``graphql`` call for every
operation (so however the application imported those, and under Ariadne's WSGI / ASGI
apps too): ``parse_query`` opens an :class:`~sentry_lite.integrations._graphql.Operation`
(breadcrumb, span, the query with PII); ``handle_query_result`` / ``handle_graphql_errors``
(called with the error objects, before Ariadne logs and formats them) capture each error
with ``mechanism: ariadne, handled: false`` and close it. An operation given pre-parsed
(``query_document=``) has no span; its errors are still reported. Ariadne's own error log
(logger ``ariadne``) is not reported again.
"""

from __future__ import annotations

import functools
import importlib
from contextvars import ContextVar

from sentry_lite.integrations import DidNotEnable, Integration, active, patch
from sentry_lite.integrations._graphql import Operation
from sentry_lite.integrations._jobs import quiet_loggers

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

IDENTIFIER = "ariadne"
ORIGIN = "auto.graphql.ariadne"
_operation: ContextVar[Operation | None] = ContextVar("sentry_lite_ariadne_op", default=None)


class AriadneIntegration(Integration):
    """Report GraphQL errors of Ariadne schemas and trace their operations."""

    identifier = IDENTIFIER

    @staticmethod
    def setup_once() -> None:
        try:
            # (``from ariadne import graphql`` is the function of the same name)
            module: Any = importlib.import_module("ariadne.graphql")
        except ImportError as exc:
            raise DidNotEnable(f"ariadne is not installed ({exc})") from None
        patch(IDENTIFIER, module, "parse_query", _parsing(module.parse_query))
        patch(IDENTIFIER, module, "handle_query_result",
              _capturing(module.handle_query_result, lambda r: getattr(r, "errors", None)))
        patch(IDENTIFIER, module, "handle_graphql_errors",
              _capturing(module.handle_graphql_errors, lambda errors: errors))
        quiet_loggers(IDENTIFIER, ("ariadne",))


def _describe(data: Any) -> tuple[str, str | None]:
    if not isinstance(data, dict):
        return "", None
    name = data.get("operationName")
    return str(data.get("query") or ""), name if isinstance(name, str) else None


def _parsing(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def parse_query(context_value: Any, query_parser: Any, data: Any) -> Any:
        if active(IDENTIFIER) is not None:
            _finish(_operation.get())  # one left open by an execution that raised
            operation = Operation(*_describe(data), ORIGIN)
            operation.__enter__()
            _operation.set(operation)
        return original(context_value, query_parser, data)

    return parse_query


def _finish(operation: Operation | None) -> None:
    if operation is not None:
        _operation.set(None)
        operation.__exit__(None, None, None)


def _capturing(original: Callable[..., Any],
               errors_of: Callable[[Any], Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def handle(first: Any, *args: Any, **kwargs: Any) -> Any:
        operation = _operation.get()
        if active(IDENTIFIER) is not None:
            # (an error before the query was parsed has no operation of its own)
            current = operation or Operation("", None, ORIGIN)
            current.capture_errors(errors_of(first), IDENTIFIER)
        _finish(operation)
        return original(first, *args, **kwargs)

    return handle


__all__ = ["AriadneIntegration"]
