"""Chalice: errors of views and event-source handlers reported with the Lambda context,
sent before the handler returns.

Chalice apps run on AWS Lambda: the transaction per invocation, trace continuation and
timeout warning come from :class:`~sentry_lite.integrations.aws_lambda.AwsLambdaIntegration`
(pass it too). This integration, as upstream:

- wraps every REST view (``RestAPIEventHandler._get_view_function_response``): the view
  runs in the invocation's isolation scope (a fork when no AWS Lambda transaction runs)
  with the invocation's context on its events (``extra["lambda"]``,
  ``extra["cloudwatch logs"]``, ``request``); the transaction is named after the Lambda
  function (source ``component``); an exception other than a ``ChaliceViewError`` (which
  Chalice turns into an HTTP answer) is captured (``mechanism: chalice, handled: false``)
  and flushed before Chalice answers 500;
- does the same for event-source handlers (``EventSourceHandler.__call__``: S3, SNS, SQS,
  schedules...), whose exception then propagates to the runtime.
"""

from __future__ import annotations

from contextlib import nullcontext

from sentry_lite._blocks import isolation_scope
from sentry_lite.integrations import DidNotEnable, Integration, active, capture_exc, patch
from sentry_lite.integrations._serverless import flush
from sentry_lite.integrations.aws_lambda import _event_processor
from sentry_lite.scope import get_current_scope, get_isolation_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

IDENTIFIER = "chalice"
ORIGIN = "auto.function.chalice"


class ChaliceIntegration(Integration):
    """Report errors of Chalice apps."""

    identifier = IDENTIFIER
    origin = ORIGIN

    @staticmethod
    def setup_once() -> None:
        try:
            from chalice import app as chalice_app
        except ImportError as exc:
            raise DidNotEnable(f"chalice is not installed ({exc})") from None
        owner: Any = getattr(chalice_app, "RestAPIEventHandler", None)
        if owner is None or not hasattr(owner, "_get_view_function_response"):
            owner = chalice_app.Chalice  # Chalice < 1.20
        patch(IDENTIFIER, owner, "_get_view_function_response",
              _responding(owner._get_view_function_response))
        handler = chalice_app.EventSourceHandler
        patch(IDENTIFIER, handler, "__call__", _handling_events(handler.__call__))


def _responding(original: Callable[..., Any]) -> Callable[..., Any]:
    def _get_view_function_response(self: Any, view_function: Any, function_args: Any) -> Any:
        if active(IDENTIFIER) is None:
            return original(self, view_function, function_args)
        return original(self, _wrap_view(self, view_function), function_args)

    return _get_view_function_response


def _wrap_view(handler: Any, view_function: Callable[..., Any]) -> Callable[..., Any]:
    def view(**kwargs: Any) -> Any:
        from chalice.app import ChaliceViewError

        context = handler.lambda_context
        with _invocation_scope() as isolation:
            isolation.add_event_processor(
                _event_processor(_as_lambda_event(handler.current_request), context,
                                 context.get_remaining_time_in_millis()))
            isolation.set_transaction_name(str(context.function_name), source="component")
            try:
                return view_function(**kwargs)
            except ChaliceViewError:
                raise
            except Exception as exc:
                _capture(exc)
                raise

    return view


def _handling_events(original: Callable[..., Any]) -> Callable[..., Any]:
    def __call__(self: Any, event: Any, context: Any) -> Any:
        if active(IDENTIFIER) is None:
            return original(self, event, context)
        with _invocation_scope() as isolation:
            isolation.add_event_processor(_event_processor(
                event if isinstance(event, dict) else {}, context,
                context.get_remaining_time_in_millis()))
            try:
                return original(self, event, context)
            except Exception as exc:
                _capture(exc)
                raise

    return __call__


def _invocation_scope() -> Any:
    """The invocation's own isolation scope: the one the AWS Lambda integration made for it
    (so that tags set in a view reach its transaction), else a fork."""
    tx = get_current_scope().transaction
    if tx is not None and getattr(tx, "op", None) == "function.aws":
        return nullcontext(get_isolation_scope())
    return isolation_scope()


def _capture(exc: Exception) -> None:
    capture_exc((type(exc), exc, exc.__traceback__), {"type": IDENTIFIER, "handled": False})
    flush()


def _as_lambda_event(request: Any) -> dict[str, Any]:
    """Chalice's request in the shape of the API Gateway event the Lambda processor reads."""
    try:
        data = request.to_dict()
    except Exception:
        return {}
    context = data.get("context") or {}
    # ``path`` is the route's template; the context has the path the client asked for
    path = context.get("path") if isinstance(context, dict) else None
    return {"httpMethod": data.get("method"), "path": path or data.get("path"),
            "headers": data.get("headers") or {},
            "queryStringParameters": data.get("query_params") or {}}


__all__ = ["ChaliceIntegration"]
