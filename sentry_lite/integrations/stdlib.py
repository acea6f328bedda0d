"""Stdlib: breadcrumbs for outgoing ``http.client`` requests and ``subprocess`` calls.

- ``http.client.HTTPConnection`` (which ``urllib.request``, urllib3 and requests all use
  underneath): ``putrequest`` notes the method and URL, ``getresponse`` adds a breadcrumb
  ``{type: http, category: httplib, data: {http.method, url, http.query, http.fragment,
  http.response.status_code, reason}}`` (level warning for 4xx, error for 5xx and for a
  request that got no response). The SDK's own deliveries are left out: requests made
  in the SDK's worker thread and requests to the DSN's host and port.
- ``subprocess.Popen``: a breadcrumb ``{type: subprocess, category: subprocess,
  message: <command>}`` per process started.

Neither module is imported by ``init()``: each is patched when the application imports
it (at once if it already has).
"""

from __future__ import annotations

from sentry_lite import api
from sentry_lite.integrations import Integration, active, in_sdk_thread, patch
from sentry_lite.integrations._importhook import when_imported
from sentry_lite.scope import get_client

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

    from sentry_lite.types import Breadcrumb

_REQUEST = "_sentry_lite_request"
_SPAN = "_sentry_lite_span"
MAX_COMMAND_LENGTH = 1024


class StdlibIntegration(Integration):
    """Breadcrumbs for ``http.client`` requests and ``subprocess`` calls."""

    identifier = "stdlib"

    @staticmethod
    def setup_once() -> None:
        when_imported("http.client", _patch_http_client, StdlibIntegration.identifier)
        when_imported("subprocess", _patch_subprocess, StdlibIntegration.identifier)


def _recording() -> bool:
    return active(StdlibIntegration.identifier) is not None and not in_sdk_thread()


# -- http.client -------------------------------------------------------------------------


def _patch_http_client(module: ModuleType) -> None:
    connection_class = module.HTTPConnection
    original_putrequest = connection_class.putrequest
    original_getresponse = connection_class.getresponse

    def putrequest(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        info = None
        if _recording():
            try:
                info = _request_info(self, method, url)
            except Exception:
                info = None
        vars(self)[_REQUEST] = info
        result = original_putrequest(self, method, url, *args, **kwargs)
        if info is not None:
            from sentry_lite.tracing._outgoing import start_request  # span and trace headers

            vars(self)[_SPAN] = start_request(
                self, method, info["url"], info.get("http.query"), info.get("http.fragment")
            )
        return result

    def getresponse(self: Any, *args: Any, **kwargs: Any) -> Any:
        info = vars(self).pop(_REQUEST, None)
        span = vars(self).pop(_SPAN, None)
        try:
            response = original_getresponse(self, *args, **kwargs)
        except BaseException:
            if info is not None:
                _http_breadcrumb(info, None, None)
            _finish_span(span, None)
            raise
        if info is not None:
            status = getattr(response, "status", None)
            _http_breadcrumb(info, status, getattr(response, "reason", None))
            _finish_span(span, status)
        return response

    owner = StdlibIntegration.identifier
    patch(owner, connection_class, "putrequest", putrequest)
    patch(owner, connection_class, "getresponse", getresponse)


def _finish_span(span: Any, status: int | None) -> None:
    if span is not None:
        from sentry_lite.tracing._outgoing import finish_request

        finish_request(span, status, failed=status is None)


def _request_info(connection: Any, method: str, url: str) -> dict[str, Any] | None:
    """Method and URL parts of a request, or None for the SDK's own requests."""
    host = connection.host
    port = connection.port
    dsn = get_client().parsed_dsn
    if dsn is not None and dsn.host == host and dsn.port == port:
        return None
    if url.startswith(("http://", "https://")):
        full = url  # absolute form (through a proxy)
    else:
        default_port = getattr(connection, "default_port", 80)
        scheme = "https" if default_port == 443 else "http"
        netloc = f"[{host}]" if ":" in host else host
        if port != default_port:
            netloc = f"{netloc}:{port}"
        full = f"{scheme}://{netloc}{url}"
    base, _, fragment = full.partition("#")
    base, _, query = base.partition("?")
    data: dict[str, Any] = {"http.method": method, "url": base}
    if query:
        data["http.query"] = query
    if fragment:
        data["http.fragment"] = fragment
    return data


def _http_breadcrumb(data: dict[str, Any], status: int | None, reason: str | None) -> None:
    crumb: Breadcrumb = {"type": "http", "category": "httplib", "data": data}
    if status is None:
        crumb["level"] = "error"
    else:
        data["http.response.status_code"] = status
        if reason:
            data["reason"] = reason
        if status >= 500:
            crumb["level"] = "error"
        elif status >= 400:
            crumb["level"] = "warning"
    try:
        api.add_breadcrumb(crumb)
    except Exception:
        pass


# -- subprocess ----------------------------------------------------------------------------


def _patch_subprocess(module: ModuleType) -> None:
    popen_class = module.Popen
    original_init = popen_class.__init__

    def __init__(self: Any, args: Any, *rest: Any, **kwargs: Any) -> None:
        original_init(self, args, *rest, **kwargs)
        if _recording():
            _subprocess_breadcrumb(args, getattr(self, "pid", None))

    patch(StdlibIntegration.identifier, popen_class, "__init__", __init__)


def _command(args: Any) -> str:
    import os

    if isinstance(args, (str, bytes, os.PathLike)):
        text = os.fsdecode(args)
    else:
        try:
            text = " ".join(os.fsdecode(part) for part in args)
        except Exception:
            text = repr(args)
    return text[:MAX_COMMAND_LENGTH]


def _subprocess_breadcrumb(args: Any, pid: int | None) -> None:
    try:
        data: dict[str, Any] = {} if pid is None else {"pid": pid}
        crumb: Breadcrumb = {
            "type": "subprocess",
            "category": "subprocess",
            "message": _command(args),
            "data": data,
        }
        api.add_breadcrumb(crumb)
    except Exception:
        pass


__all__ = ["StdlibIntegration"]
