"""What the GraphQL integrations share: the span and breadcrumb of an operation, and the
capture of the errors of its result.

- :class:`Operation` (a context manager): a ``graphql.operation`` breadcrumb (operation
  name and type) and, inside a transaction, a span (op ``graphql.query`` /
  ``graphql.mutation`` / ``graphql.subscription``, name = the operation's name, data
  ``graphql.operation.name``, ``graphql.operation.type`` and, with ``send_default_pii``,
  ``graphql.document``);
- :meth:`Operation.capture_errors`: each error of the result as an event
  (``handled: false``; the resolver's exception when there is one, else the
  ``GraphQLError``) with ``request.api_target = "graphql"``, ``contexts["graphql"]``
  (operation name and type) and, with ``send_default_pii``, ``request.data`` = the query
  and operation name (without PII a ``request.data`` from the web framework is removed).
"""

from __future__ import annotations

from sentry_lite._blocks import new_scope
from sentry_lite.integrations import capture_exc
from sentry_lite.scope import get_client, get_current_scope, get_isolation_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import TracebackType
    from typing import Any

    from sentry_lite.types import Event, Hint

UNKNOWN = "<unknown graphql operation>"


def operation_type(document: str) -> str:
    start = document.lstrip()
    for kind in ("mutation", "subscription"):
        if start.startswith(kind):
            return kind
    return "query"


class Operation:
    """``with Operation(document, name, origin):`` around one GraphQL execution."""

    __slots__ = ("document", "kind", "name", "span")

    def __init__(self, document: Any, name: str | None, origin: str) -> None:
        self.document = str(getattr(document, "body", document))
        self.name = name or UNKNOWN
        self.kind = operation_type(self.document)
        self.span: Any = None
        get_isolation_scope().add_breadcrumb(
            {"category": "graphql.operation",
             "data": {"operation_name": self.name, "operation_type": self.kind}})
        parent = get_current_scope().span
        if parent is not None:
            span = parent.start_child(op=f"graphql.{self.kind}", name=self.name, origin=origin)
            span.set_data("graphql.operation.name", self.name)
            span.set_data("graphql.operation.type", self.kind)
            if get_client().should_send_default_pii():
                span.set_data("graphql.document", self.document)
            self.span = span

    def __enter__(self) -> Operation:
        if self.span is not None:
            self.span.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.span is not None:
            self.span.__exit__(exc_type, exc, tb)

    def capture_errors(self, errors: Any, mechanism: str) -> None:
        if not errors:
            return
        with new_scope() as scope:
            scope.add_event_processor(self._add_request)
            for error in errors:
                if self.span is not None:
                    self.span.set_status("internal_error")
                # a resolver's own exception (with its stack) rather than graphql-core's wrapper
                original = getattr(error, "original_error", None)
                exc = original if isinstance(original, Exception) else error
                capture_exc((type(exc), exc, exc.__traceback__),
                            {"type": mechanism, "handled": False})

    def _add_request(self, event: Event, hint: Hint) -> Event:
        request = dict(event.get("request") or {})
        request["api_target"] = "graphql"
        if get_client().should_send_default_pii():
            request.setdefault("data", {"query": self.document, "operationName": self.name})
        else:
            request.pop("data", None)
        event["request"] = request
        event.setdefault("contexts", {})["graphql"] = {
            "operation_name": self.name, "operation_type": self.kind}
        return event


__all__ = ["UNKNOWN", "Operation", "operation_type"]
