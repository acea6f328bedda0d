"""AWS Lambda: a transaction per invocation, errors with the invocation's context, the
events sent before Lambda freezes the process, an optional timeout warning.

Hooked on the Python runtime's bootstrap (``awslambdaric``, which AWS's images run, or a
``bootstrap`` module): ``handle_event_request`` gets the handler wrapped, and the runtime
client's ``post_invocation_result`` / ``post_invocation_error`` flush first (once the
runtime has answered, Lambda may freeze the process). Outside Lambda the integration does
nothing (a debug message says so).

Per invocation: forks of the scopes (breadcrumbs cleared), the tag ``aws_region`` (and
``batch_request`` / ``batch_size`` for a list of events), a transaction (op
``function.aws``, name = the function's name, source ``component``) continuing the
``sentry-trace`` / ``baggage`` headers of an API Gateway event; an exception escaping the
handler is captured (``mechanism: aws_lambda, handled: false``). Events carry
``extra["lambda"]``, ``extra["cloudwatch logs"]`` and, for HTTP events, ``request``.
With ``timeout_warning=True`` a ``ServerlessTimeoutWarning`` is sent 1.5 s before the
deadline.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta, timezone

from sentry_lite.integrations import Integration, _debug, active, capture_exc, patch
from sentry_lite.integrations._jobs import JobRun
from sentry_lite.integrations._serverless import flush, start_timeout_warning
from sentry_lite.scope import get_client, get_isolation_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType
    from typing import Any

    from sentry_lite.types import Event, Hint

IDENTIFIER = "aws_lambda"
ORIGIN = "auto.function.aws_lambda"
OP = "function.aws"
TIMEOUT_WARNING_BUFFER = 1500  # ms before the deadline (the official module's constant)
MILLIS_TO_SECONDS = 1000.0


class AwsLambdaIntegration(Integration):
    """Report and trace AWS Lambda invocations."""

    identifier = IDENTIFIER
    origin = ORIGIN

    def __init__(self, timeout_warning: bool = False) -> None:
        self.timeout_warning = bool(timeout_warning)

    @staticmethod
    def setup_once() -> None:
        bootstrap = _find_bootstrap()
        if bootstrap is None or not hasattr(bootstrap, "handle_event_request"):
            _debug("AwsLambdaIntegration: not running in AWS Lambda (no runtime bootstrap "
                   "module); it does nothing")
            return
        patch(IDENTIFIER, bootstrap, "handle_event_request",
              _handling(bootstrap.handle_event_request))
        client_class = getattr(bootstrap, "LambdaRuntimeClient", None)
        for name in ("post_invocation_result", "post_invocation_error"):
            original = getattr(client_class, name, None)
            if original is not None:
                patch(IDENTIFIER, client_class, name, _flushing_first(original))


def get_lambda_bootstrap() -> ModuleType | None:
    """The Lambda runtime's bootstrap module in this process, or None outside Lambda."""
    return _find_bootstrap()


def _find_bootstrap() -> ModuleType | None:
    for name in ("awslambdaric.bootstrap", "bootstrap"):
        module = sys.modules.get(name)
        if module is not None:
            return module
    main = sys.modules.get("__main__")
    found = getattr(main, "bootstrap", None)
    return found if found is not None and hasattr(found, "handle_event_request") else None


def _handling(original: Callable[..., Any]) -> Callable[..., Any]:
    def handle_event_request(runtime_client: Any, request_handler: Any,
                             *args: Any, **kwargs: Any) -> Any:
        return original(runtime_client, wrap_handler(request_handler), *args, **kwargs)

    return handle_event_request


def _flushing_first(original: Callable[..., Any]) -> Callable[..., Any]:
    def post(*args: Any, **kwargs: Any) -> Any:
        if active(IDENTIFIER) is not None:
            flush()
        return original(*args, **kwargs)

    return post


def wrap_handler(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler`` run as an invocation (what the bootstrap hook does to every handler)."""

    def sentry_handler(aws_event: Any, aws_context: Any, *args: Any, **kwargs: Any) -> Any:
        integration = active(IDENTIFIER)
        if integration is None:
            return handler(aws_event, aws_context, *args, **kwargs)
        batch = len(aws_event) if isinstance(aws_event, list) and aws_event else 1
        request = aws_event[0] if isinstance(aws_event, list) and aws_event else aws_event
        request = request if isinstance(request, dict) else {}
        remaining = aws_context.get_remaining_time_in_millis()
        headers = request.get("headers")
        headers = headers if isinstance(headers, dict) else {}
        run = JobRun(headers, op=OP, name=str(aws_context.function_name), origin=ORIGIN,
                     source="component",
                     processor=_event_processor(request, aws_context, remaining),
                     sampling={"aws_event": aws_event, "aws_context": aws_context})
        with run:
            _tag(aws_context, batch)
            warning = start_timeout_warning(remaining) if integration.timeout_warning else None
            try:
                return handler(aws_event, aws_context, *args, **kwargs)
            except Exception as exc:
                capture_exc((type(exc), exc, exc.__traceback__),
                            {"type": IDENTIFIER, "handled": False})
                raise
            finally:
                if warning is not None:
                    warning.stop()

    sentry_handler.__wrapped__ = handler  # type: ignore[attr-defined]
    return sentry_handler


def _tag(aws_context: Any, batch: int) -> None:
    isolation = get_isolation_scope()
    try:
        isolation.set_tag("aws_region", str(aws_context.invoked_function_arn).split(":")[3])
    except IndexError:
        pass
    if batch > 1:
        isolation.set_tag("batch_request", True)
        isolation.set_tag("batch_size", batch)


def _event_processor(request: dict[str, Any], aws_context: Any,
                     configured_ms: float) -> Callable[..., Any]:
    started = datetime.now(timezone.utc)

    def add_invocation(event: Event, hint: Hint) -> Event:
        remaining = aws_context.get_remaining_time_in_millis()
        extra = event.setdefault("extra", {})
        extra["lambda"] = {
            "function_name": aws_context.function_name,
            "function_version": aws_context.function_version,
            "invoked_function_arn": aws_context.invoked_function_arn,
            "aws_request_id": aws_context.aws_request_id,
            "execution_duration_in_millis": configured_ms - remaining,
            "remaining_time_in_millis": remaining,
        }
        extra["cloudwatch logs"] = {
            "url": _logs_url(aws_context, started),
            "log_group": aws_context.log_group_name,
            "log_stream": aws_context.log_stream_name,
        }
        if "httpMethod" in request or "headers" in request:
            _add_request(event, request, aws_context)
        return event

    return add_invocation


# the name third-party Lambda integrations import (sentry-lwa)
_make_request_event_processor = _event_processor


def _add_request(event: Event, request: dict[str, Any], aws_context: Any) -> None:
    from sentry_lite.integrations._http_common import add_user, build_request

    pii = get_client().should_send_default_pii()
    headers = request.get("headers")
    headers = {str(k): str(v) for k, v in headers.items()} if isinstance(headers, dict) else {}
    named = {k.lower(): v for k, v in headers.items()}
    host, proto, path = named.get("host"), named.get("x-forwarded-proto"), request.get("path")
    url = f"{proto}://{host}{path}" if proto and host and path else \
        f"awslambda:///{aws_context.function_name}"
    query = request.get("queryStringParameters") or {}
    query_string = "&".join(f"{k}={v}" for k, v in query.items()) if isinstance(query, dict) \
        else ""
    data = build_request(str(request.get("httpMethod") or ""), url, query_string, headers, {},
                         pii)
    body = request.get("body")
    if body:
        data["data"] = body if pii else "[Filtered]"
    event["request"] = data
    identity = (request.get("requestContext") or {}).get("identity") or {}
    if pii and isinstance(identity, dict):
        user = {"id": identity.get("userArn"), "ip_address": identity.get("sourceIp")}
        add_user(event, {k: v for k, v in user.items() if v is not None})


def _logs_url(aws_context: Any, started: datetime) -> str:
    region = os.environ.get("AWS_REGION", "")
    domain = "amazonaws.cn" if region.startswith("cn-") else "aws.amazon.com"
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    start = (started - timedelta(seconds=1)).strftime(fmt)
    end = (datetime.now(timezone.utc) + timedelta(seconds=2)).strftime(fmt)
    return (f"https://console.{domain}/cloudwatch/home?region={region}#logEventViewer:"
            f"group={aws_context.log_group_name};stream={aws_context.log_stream_name}"
            f";start={start};end={end}")


__all__ = ["MILLIS_TO_SECONDS", "TIMEOUT_WARNING_BUFFER", "AwsLambdaIntegration",
           "get_lambda_bootstrap"]
