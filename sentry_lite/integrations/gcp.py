"""Google Cloud Functions (the Python 3.7 runtime's ``worker_v1``, as upstream): a
transaction per invocation, errors with the function's context, a flush before the
function returns, an optional timeout warning.

``__main__.worker_v1.FunctionHandler.invoke_user_function`` is wrapped. Per invocation:
forks of the scopes (breadcrumbs cleared), the tag ``gcp_region``, a transaction (op
``function.gcp``, name = ``FUNCTION_NAME``, source ``component``) continuing the request's
``sentry-trace`` / ``baggage``; an exception escaping the function is captured
(``mechanism: gcp, handled: false``); events carry ``extra["google cloud functions"]``,
``extra["google cloud logs"]`` and ``request`` (the body only with PII). The client is
flushed before the function returns. With ``timeout_warning=True`` a
``ServerlessTimeoutWarning`` is sent 1.5 s before ``FUNCTION_TIMEOUT_SEC`` runs out. Without
``FUNCTION_TIMEOUT_SEC`` the invocation is left alone, as upstream.
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
    from typing import Any

    from sentry_lite.types import Event, Hint

IDENTIFIER = "gcp"
ORIGIN = "auto.function.gcp"
OP = "function.gcp"
TIMEOUT_WARNING_BUFFER = 1.5  # seconds before FUNCTION_TIMEOUT_SEC (the official constant)
MILLIS_TO_SECONDS = 1000.0
_ENV = {"function_name": "FUNCTION_NAME", "function_entry_point": "ENTRY_POINT",
        "function_identity": "FUNCTION_IDENTITY", "function_region": "FUNCTION_REGION",
        "function_project": "GCP_PROJECT"}


class GcpIntegration(Integration):
    """Report and trace Google Cloud Functions invocations."""

    identifier = IDENTIFIER
    origin = ORIGIN

    def __init__(self, timeout_warning: bool = False) -> None:
        self.timeout_warning = bool(timeout_warning)

    @staticmethod
    def setup_once() -> None:
        worker = getattr(sys.modules.get("__main__"), "worker_v1", None)
        handler = getattr(worker, "FunctionHandler", None)
        if handler is None:
            _debug("GcpIntegration: no Cloud Functions runtime (__main__.worker_v1); it does "
                   "nothing")
            return
        patch(IDENTIFIER, handler, "invoke_user_function",
              _invoking(handler.invoke_user_function))


def _env() -> dict[str, str | None]:
    return {key: os.environ.get(name) for key, name in _ENV.items()}


def _invoking(original: Callable[..., Any]) -> Callable[..., Any]:
    def invoke_user_function(self: Any, gcp_event: Any, *args: Any, **kwargs: Any) -> Any:
        integration = active(IDENTIFIER)
        configured = os.environ.get("FUNCTION_TIMEOUT_SEC")
        if integration is None or not configured:
            return original(self, gcp_event, *args, **kwargs)
        timeout = int(configured)
        headers = getattr(gcp_event, "headers", None)
        run = JobRun(dict(headers) if headers is not None else {}, op=OP,
                     name=os.environ.get("FUNCTION_NAME", ""), origin=ORIGIN,
                     source="component", processor=_event_processor(gcp_event, timeout),
                     sampling={"gcp_env": _env(), "gcp_event": gcp_event})
        try:
            with run:
                get_isolation_scope().set_tag("gcp_region", os.environ.get("FUNCTION_REGION"))
                warning = (start_timeout_warning(timeout * 1000)
                           if integration.timeout_warning else None)
                try:
                    return original(self, gcp_event, *args, **kwargs)
                except Exception as exc:
                    capture_exc((type(exc), exc, exc.__traceback__),
                                {"type": IDENTIFIER, "handled": False})
                    raise
                finally:
                    if warning is not None:
                        warning.stop()
        finally:
            flush()  # the transaction too: it ends with the ``with`` block

    return invoke_user_function


def _event_processor(gcp_event: Any, timeout: int) -> Callable[..., Any]:
    started = datetime.now(timezone.utc)

    def add_invocation(event: Event, hint: Hint) -> Event:
        now = datetime.now(timezone.utc)
        extra = event.setdefault("extra", {})
        extra["google cloud functions"] = {
            **_env(),
            "execution_duration_in_millis": (now - started) / timedelta(milliseconds=1),
            "configured_timeout_in_seconds": timeout,
        }
        extra["google cloud logs"] = {"url": _logs_url(now)}
        event["request"] = _request(gcp_event)
        return event

    return add_invocation


def _request(gcp_event: Any) -> dict[str, Any]:
    from sentry_lite.integrations._http_common import build_request

    pii = get_client().should_send_default_pii()
    raw_query = getattr(gcp_event, "query_string", b"")
    query = raw_query.decode("utf-8", "replace") if isinstance(raw_query, bytes) else \
        str(raw_query or "")
    headers = getattr(gcp_event, "headers", None)
    request = build_request(str(getattr(gcp_event, "method", "") or ""),
                            f"gcp:///{os.environ.get('FUNCTION_NAME')}", query,
                            {str(k): str(v) for k, v in dict(headers or {}).items()}, {}, pii)
    data = getattr(gcp_event, "data", None)
    if data:
        if isinstance(data, bytes):
            data = data.decode("utf-8", "replace")
        request["data"] = data if pii else "[Filtered]"
    return request


def _logs_url(now: datetime) -> str:
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    end, start = now.strftime(fmt), (now - timedelta(hours=1)).strftime(fmt)
    return (f"https://console.cloud.google.com/logs/viewer?project="
            f"{os.environ.get('GCP_PROJECT')}&resource=cloud_function%2Ffunction_name%2F"
            f"{os.environ.get('FUNCTION_NAME')}%2Fregion%2F{os.environ.get('FUNCTION_REGION')}"
            f"&minLogLevel=0&expandAll=false&timestamp={end}&customFacets="
            f"&limitCustomFacetWidth=true&dateRangeStart={start}&dateRangeEnd={end}"
            f"&interval=PT1H&scrollTimestamp={end}")


__all__ = ["MILLIS_TO_SECONDS", "TIMEOUT_WARNING_BUFFER", "GcpIntegration"]
