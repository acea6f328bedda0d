"""Release health and crons: what session tracking adds to a request, and ``@monitor``.

``health(module, params)``: with a no-op transport, in this process,

- a request's session alone (``session_added``, see ``_tracked_block``);
- a WSGI request through the SDK's own ``SentryWsgiMiddleware`` (no server: the
  request thread's cost alone), with ``auto_session_tracking`` off then on, the same
  release; ``wsgi_session_added`` is the difference, time and Python calls;
- a call of an empty function decorated with ``@monitor`` (two check-ins per call).
"""

from __future__ import annotations

import importlib

from _child import count_calls
from _workloads import _per_call_ns, make_noop_transport

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

ENVIRON = {
    "REQUEST_METHOD": "GET", "PATH_INFO": "/items/7", "QUERY_STRING": "", "SERVER_NAME": "bench",
    "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "bench",
    "wsgi.url_scheme": "http",
}  # fmt: skip


def _request(module: str) -> Callable[[], None]:
    wsgi = importlib.import_module(f"{module}.integrations.wsgi")

    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    middleware = wsgi.SentryWsgiMiddleware(app)

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        return None

    def request() -> None:
        result = middleware(dict(ENVIRON), start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()

    return request


def _tracked_block(module: str, sdk: Any, target_s: float, repeat: int) -> dict[str, Any]:
    """A request's session alone: ``track_session(scope, session_mode="request")`` (what
    the official WSGI and ASGI integrations wrap every request in) inside an isolation
    scope, minus the isolation scope alone. Smaller bases than a whole request: the
    difference is not lost in the noise of the official SDK's ~0.4 ms request."""
    track_session = importlib.import_module(f"{module}.sessions").track_session

    def tracked() -> None:
        with sdk.isolation_scope() as scope, track_session(scope, session_mode="request"):
            pass

    def bare() -> None:
        with sdk.isolation_scope():
            pass

    with_ns = _per_call_ns("tracked()", {"tracked": tracked}, target_s, repeat)
    bare_ns = _per_call_ns("bare()", {"bare": bare}, target_s, repeat)
    with_calls, bare_calls = count_calls(tracked, times=20), count_calls(bare, times=20)
    return {"session_added": {"ns": with_ns - bare_ns,
                              "py_calls": with_calls["py_calls"] - bare_calls["py_calls"]},
            "isolation_scope": {"ns": bare_ns}}


def health(module: str, params: dict[str, Any]) -> dict[str, Any]:
    sdk = importlib.import_module(module)
    transport, seen = make_noop_transport(sdk)
    target_s, repeat = params.get("target_s", 0.05), params.get("repeat", 5)
    request = _request(module)
    result: dict[str, Any] = {}
    for tracking in (False, True):
        sdk.init(dsn=params["dsn"], transport=transport, release="bench@1",
                 default_integrations=False, auto_session_tracking=tracking)
        ns = _per_call_ns("request()", {"request": request}, target_s, repeat)
        result["sessions_on" if tracking else "sessions_off"] = {
            "ns": ns, **count_calls(request, times=20)}
    on, off = result["sessions_on"], result["sessions_off"]
    result["wsgi_session_added"] = {"ns": on["ns"] - off["ns"],
                                    "py_calls": on["py_calls"] - off["py_calls"]}
    result.update(_tracked_block(module, sdk, target_s, repeat))

    @sdk.monitor(monitor_slug="bench")
    def empty() -> None:
        return None

    before = seen[0]
    empty()
    ns = _per_call_ns("empty()", {"empty": empty}, target_s, repeat)
    result["monitor"] = {"us": ns / 1e3, **count_calls(empty, times=20),
                         "check_ins": seen[0] - before}
    return result
