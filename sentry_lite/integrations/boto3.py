"""boto3 / botocore: an ``http.client`` span per AWS API call, and a breadcrumb per attempt.

``BaseClient._make_api_call`` is wrapped: the span (``aws.<service>.<Operation>``, origin
``auto.http.boto3``, tags ``aws.service_id`` / ``aws.operation_name``, data ``rpc.method``,
``rpc.system.name``, ``cloud.region``, ``server.address`` / ``server.port``, then the
response's ``http.response.status_code``, ``aws.request_id``, retries, or ``error.type``)
is the active span during the call, so the HTTP request beneath nests in it. A streamed
body (S3 ``get_object``) keeps the span open, with an ``http.client.stream`` child, until
it is read to the end or closed.

Every client made while the integration is on gets a ``request-created`` handler: each
attempt (retries included) adds an ``httplib`` breadcrumb and the request URL, query and
method to the span.

The integration adds no trace headers itself (they would become part of the SigV4
signature); the ``http.client`` layer beneath adds its unsigned ones where
``trace_propagation_targets`` allow.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sentry_lite.integrations import DidNotEnable, Integration, active, patch

try:
    from botocore import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
        __version__ as BOTOCORE_VERSION,
    )
    from botocore.client import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
        BaseClient,
    )
    from botocore.exceptions import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
        ClientError,
    )
    from botocore.response import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
        StreamingBody,
    )
except ImportError as exc:  # pragma: no cover - only without botocore
    raise DidNotEnable("botocore is not installed") from exc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

IDENTIFIER = "boto3"
ORIGIN = f"auto.http.{IDENTIFIER}"
AWS_RPC_SYSTEM_NAME = "aws-api"
DEFAULT_PORTS = {"http": 80, "https": 443}
MIN_VERSION = (1, 16)


class Boto3Integration(Integration):
    """Spans and breadcrumbs for the AWS API calls botocore makes."""

    identifier = IDENTIFIER
    origin = ORIGIN

    @staticmethod
    def setup_once() -> None:
        from sentry_lite._text import parse_version

        version = parse_version(BOTOCORE_VERSION)
        if version is not None and version < MIN_VERSION:
            raise DidNotEnable(f"botocore {BOTOCORE_VERSION} is too old (1.16 or later)")
        patch(IDENTIFIER, BaseClient, "__init__", _init_wrapper(BaseClient.__init__))
        patch(IDENTIFIER, BaseClient, "_make_api_call", _call_wrapper(BaseClient._make_api_call))


def _init_wrapper(original: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if active(IDENTIFIER) is not None:
            try:
                self.meta.events.register(
                    "request-created", _request_created, unique_id="sentry_lite.boto3"
                )
            except Exception:
                pass

    return __init__


def _call_wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
    def _make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        if active(IDENTIFIER) is None:
            return original(self, operation_name, api_params)
        try:
            span = _start_span(self, operation_name)
        except Exception:
            return original(self, operation_name, api_params)
        from sentry_lite.scope import get_current_scope

        scope = get_current_scope()
        previous, scope.span = scope.span, span  # the HTTP request beneath nests in it
        try:
            parsed = original(self, operation_name, api_params)
        except BaseException as error:
            _set_data(span, _error_data(error))
            span.set_status("internal_error")
            span.finish()
            raise
        finally:
            scope.span = previous
        data = _response_data(parsed)
        _set_data(span, data)
        status = data.get("http.response.status_code")
        if isinstance(status, int):
            span.set_http_status(status)
        if not _follow_stream(span, parsed):
            span.finish()
        return parsed

    return _make_api_call


def _set_data(span: Any, data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        span.set_data(key, value)


def _start_span(client: Any, operation: str) -> Any:
    from sentry_lite import api

    meta = client.meta
    service_id = meta.service_model.service_id
    hyphenized = service_id.hyphenize()
    span = api.start_span(op="http.client", name=f"aws.{hyphenized}.{operation}", origin=ORIGIN)
    data: dict[str, Any] = {
        "rpc.method": operation,
        "rpc.system.name": AWS_RPC_SYSTEM_NAME,
        "rpc.service": str(service_id),
    }
    if meta.region_name:
        data["cloud.region"] = meta.region_name
    data.update(_server(meta.endpoint_url))
    _set_data(span, data)
    span.set_tag("aws.service_id", hyphenized)
    span.set_tag("aws.operation_name", operation)
    return span


def _server(url: str | None) -> dict[str, Any]:
    try:
        parts = urlsplit(url or "")
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            return {}
        return {
            "server.address": parts.hostname,
            "server.port": parts.port or DEFAULT_PORTS[parts.scheme],
        }
    except ValueError:
        return {}


def _response_data(response: Any) -> dict[str, Any]:
    metadata = (response.get("ResponseMetadata") or {}) if isinstance(response, dict) else {}
    data: dict[str, Any] = {}
    status = metadata.get("HTTPStatusCode")
    if status is not None:
        data["http.response.status_code"] = status
    retries = metadata.get("RetryAttempts") or 0
    if retries > 0:
        data["http.request.resend_count"] = retries
    headers = metadata.get("HTTPHeaders") or {}
    request_id = (
        metadata.get("RequestId")
        or headers.get("x-amzn-requestid")
        or headers.get("x-amzn-request-id")
        or headers.get("x-amz-request-id")
    )
    if request_id:
        data["aws.request_id"] = request_id
    extended = metadata.get("HostId") or headers.get("x-amz-id-2")
    if extended:
        data["aws.extended_request_id"] = extended
    return data


def _error_data(error: BaseException) -> dict[str, Any]:
    data: dict[str, Any] = {}
    code = None
    if isinstance(error, ClientError):
        data.update(_response_data(error.response))
        code = (error.response.get("Error") or {}).get("Code")
    if not code:
        kind = type(error)
        module = kind.__module__
        code = kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
    data["error.type"] = code
    return data


# -- each attempt ----------------------------------------------------------------------------


def _request_created(request: Any, operation_name: str, **kwargs: Any) -> None:
    if active(IDENTIFIER) is None:
        return
    try:
        from sentry_lite import api
        from sentry_lite.tracing._sources import add_http_breadcrumb

        base, _, fragment = str(request.url).partition("#")
        base, _, query = base.partition("?")
        data = {"aws.request.url": base, "http.query": query, "http.fragment": fragment,
                "http.method": request.method}  # fmt: skip
        add_http_breadcrumb(None, dict(data))
        span = api.get_current_span()
        if span is not None and span.origin == ORIGIN:
            _set_data(span, {**_server(request.url), **data})
    except Exception:
        pass


# -- streamed bodies ---------------------------------------------------------------------------


def _follow_stream(span: Any, parsed: Any) -> bool:
    """Keep ``span`` open until a streamed ``Body`` is read to its end or closed."""
    body = parsed.get("Body") if isinstance(parsed, dict) else None
    if not isinstance(body, StreamingBody):
        return False
    stream = span.start_child(op="http.client.stream", name=span.description, origin=ORIGIN)
    done: list[bool] = []
    read, close = body.read, body.close

    def finish(error: BaseException | None = None) -> None:
        if done:
            return
        done.append(True)
        for each in (stream, span):
            if error is not None:
                _set_data(each, _error_data(error))
                each.set_status("internal_error")
            each.finish()

    def read_and_watch(amt: int | None = None) -> bytes:
        try:
            chunk: bytes = read(amt)
        except BaseException as error:
            finish(error)
            raise
        if amt is None or amt < 0 or not chunk or _all_read(body):
            finish()
        return chunk

    def close_and_finish() -> None:
        try:
            close()
        finally:
            finish()

    body.read = read_and_watch  # type: ignore[method-assign,unused-ignore]
    body.close = close_and_finish  # type: ignore[method-assign,unused-ignore]
    return True


def _all_read(body: Any) -> bool:
    length = getattr(body, "_content_length", None)
    return length is not None and getattr(body, "_amount_read", 0) >= int(length)


__all__ = ["Boto3Integration"]
