"""WSGI: ``SentryWsgiMiddleware(app)`` reports what happens in any WSGI application.

Each request runs in its own isolation scope (forks taken when it arrives), continues the
trace of incoming ``sentry-trace`` / ``baggage`` headers and, with tracing on, is an
``http.server`` transaction named after the URL path (frameworks rename it after their
routes). An exception escaping the application is captured (``mechanism: wsgi,
handled: false``) and re-raised; the response status is recorded, and a status in
``failed_request_status_codes`` (500-599 by default) that no captured error explains is
reported as an error event. Streamed responses keep the request's scopes while the server
iterates them, and the transaction ends when the server closes the response.

The event's ``request`` (method, URL, query string, headers, cookies and the client's
address with ``send_default_pii``) is built only when an event or a transaction is sent.
The plain middleware never reads the body: the application owns the input stream
(the Flask and Django integrations add the body from their request objects).
"""

from __future__ import annotations

import sys
import weakref

from sentry_lite.integrations._http_common import (
    DEFAULT_HTTP_METHODS_TO_CAPTURE,
    build_request,
    build_url,
    client_ip,
    environ_headers,
    environ_host,
    environ_path,
    methods,
    status_codes,
    status_of,
    wsgi_str,
)
from sentry_lite.integrations._http_request import ServerRequest, Settings
from sentry_lite.scope import get_client

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable, Iterator
    from typing import Any

    from sentry_lite.integrations._http_request import Framework

    StartResponse = Callable[..., Any]
    WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# The environ key under which a request's state is kept (nested middlewares find it).
STATE_KEY = "sentry_lite.request"


class WsgiRequest(ServerRequest):
    """A request arriving through WSGI."""

    __slots__ = ("_start_response", "environ", "use_x_forwarded_for")

    def __init__(
        self,
        client: Any,
        settings: Settings,
        environ: dict[str, Any],
        start_response: StartResponse,
        use_x_forwarded_for: bool = False,
    ) -> None:
        self.environ = environ
        self._start_response = start_response
        self.use_x_forwarded_for = use_x_forwarded_for
        super().__init__(
            client,
            settings,
            str(environ.get("REQUEST_METHOD") or "GET").upper(),
            environ_path(environ),
            _trace_headers(environ),
            {"wsgi_environ": environ},
        )

    def start_response(self, status: str, headers: Any, exc_info: Any = None) -> Any:
        self.status = status_of(status)
        if exc_info is None:
            return self._start_response(status, headers)
        return self._start_response(status, headers, exc_info)

    def base_request(self) -> dict[str, Any]:
        environ = self.environ
        headers = environ_headers(environ)
        scheme = str(environ.get("wsgi.url_scheme") or "http")
        host = environ_host(environ)
        if self.use_x_forwarded_for:
            scheme = headers.get("X-Forwarded-Proto", scheme).split(",")[0].strip()
            host = headers.get("X-Forwarded-Host", host).split(",")[0].strip()
        env = {k: str(environ[k]) for k in ("SERVER_NAME", "SERVER_PORT") if environ.get(k)}
        return build_request(
            self.method,
            build_url(scheme, host, self.name),
            wsgi_str(environ.get("QUERY_STRING") or ""),
            headers,
            env,
            bool(self.client.options.send_default_pii),
            environ.get("REMOTE_ADDR"),
        )

    def client_address(self) -> str | None:
        base = self._request
        headers = base.get("headers", {}) if base is not None else {}
        return client_ip(headers, self.environ.get("REMOTE_ADDR"))


def _trace_headers(environ: dict[str, Any]) -> dict[str, Any] | None:
    # The two headers only: the trace reader never scans the whole environ.
    trace = environ.get("HTTP_SENTRY_TRACE")
    if trace is None:
        return None
    return {"sentry-trace": trace, "baggage": environ.get("HTTP_BAGGAGE")}


# -- running an application -----------------------------------------------------------


def run_wsgi(
    app: WsgiApp,
    environ: dict[str, Any],
    start_response: StartResponse,
    settings: Settings,
    framework: Framework | None = None,
    use_x_forwarded_for: bool = False,
) -> Iterable[bytes]:
    """Call ``app`` for one request, reporting it (``framework`` adds its data)."""
    client = get_client()
    outer = environ.get(STATE_KEY)
    if outer is not None or not client.is_active():
        if outer is not None and framework is not None:
            outer.framework = framework  # an outer generic middleware: the framework knows more
        return app(environ, start_response)
    state = WsgiRequest(client, settings, environ, start_response, use_x_forwarded_for)
    if framework is not None:
        state.framework = framework
    environ[STATE_KEY] = state
    tokens = state.enter()
    try:
        result = app(environ, state.start_response)
    except Exception:
        state.capture(sys.exc_info())
        state.finish(error=True)
        environ.pop(STATE_KEY, None)
        raise
    except BaseException:
        state.finish(error=True)
        environ.pop(STATE_KEY, None)
        raise
    finally:
        state.leave(tokens)
    wrapper = environ.get("wsgi.file_wrapper")
    if isinstance(wrapper, type) and isinstance(result, wrapper):
        _finish(state)  # the server may send the file itself: do not hide its type
        environ.pop(STATE_KEY, None)
        return result
    response = _Response(result, state)
    if not _unclosed:
        _watch_exit()
    _unclosed.add(response)
    return response


# Responses not closed yet. One a server never closes (a test client's response left unread)
# is finished when dropped; if a reference cycle keeps it (an exception's traceback holding
# the test client's frame), at the latest when the process exits, before the exit flush.
_unclosed: weakref.WeakSet[_Response] = weakref.WeakSet()
_exit_hook: list[bool] = []


def _watch_exit() -> None:
    if not _exit_hook:
        import atexit

        _exit_hook.append(True)
        atexit.register(_finish_unclosed)  # after init(): runs before the transport's flush


def _finish_unclosed() -> None:
    for response in list(_unclosed):
        response.abandon()


def _finish(state: WsgiRequest) -> None:
    tokens = state.enter()
    try:
        state.finish()
    finally:
        state.leave(tokens)


def _steps(step: Callable[[], bytes], state: WsgiRequest,
           failed: list[bool]) -> Generator[bytes, None, None]:
    """The chunks of a response, each made with the request's scopes installed."""
    while True:
        tokens = state.enter()
        try:
            chunk = step()
        except StopIteration:
            state.finish()
            return
        except Exception:
            failed[0] = True
            state.capture(sys.exc_info())
            raise
        finally:
            state.leave(tokens)
        yield chunk


class _Response:
    """The application's response, iterated and closed inside the request's scopes.

    Each step of a response that may run application code (a generator) runs with the
    request's scopes installed, and only that step: between chunks the server's code runs
    in its own (a test client that reads the first chunk and returns keeps its caller's
    scopes). The request is finished when the last chunk is out, at ``close()`` if iteration
    stopped early, or, when the server never closes the response (a test client whose
    response is not read to the end), when the response is dropped.
    """

    __slots__ = ("__weakref__", "_failed", "_result", "_state")

    def __init__(self, result: Iterable[bytes], state: WsgiRequest) -> None:
        self._result = result
        self._state = state
        self._failed = [False]  # shared with the chunk generator, which must not hold self

    def __iter__(self) -> Iterator[bytes]:
        result = self._result
        if type(result) is list or type(result) is tuple:
            return iter(result)  # no application code runs while it is iterated
        return _steps(iter(result).__next__, self._state, self._failed)

    def abandon(self) -> None:
        """Finish the request without closing the response (never closed by the server)."""
        try:
            state = self._state
            if not state.finished:
                _finish(state)
                state.environ.pop(STATE_KEY, None)
        except Exception:
            pass

    def __del__(self) -> None:
        # Dropped without close(): a server (a test client) that broke the WSGI contract.
        self.abandon()

    def close(self) -> None:
        state = self._state
        try:
            close = getattr(self._result, "close", None)
            if close is not None:
                close()
        except Exception:
            self._failed[0] = True
            tokens = state.enter()
            try:
                state.capture(sys.exc_info())
            finally:
                state.leave(tokens)
            raise
        finally:
            if not state.finished:
                tokens = state.enter()
                try:
                    state.finish(error=self._failed[0])
                finally:
                    state.leave(tokens)
            # the request is over: the environ and the state no longer hold each other
            state.environ.pop(STATE_KEY, None)

    def __getattr__(self, name: str) -> Any:
        # Other attributes of the application's iterable (servers may look for some).
        return getattr(self._result, name)


# -- the middleware ---------------------------------------------------------------------


class SentryWsgiMiddleware:
    """Wrap a WSGI application: ``app = SentryWsgiMiddleware(app)``."""

    __slots__ = ("app", "settings", "use_x_forwarded_for")

    def __init__(
        self,
        app: WsgiApp,
        use_x_forwarded_for: bool = False,
        span_origin: str = "manual",
        http_methods_to_capture: Iterable[str] = DEFAULT_HTTP_METHODS_TO_CAPTURE,
        failed_request_status_codes: Any = None,
    ) -> None:
        self.app = app
        self.use_x_forwarded_for = use_x_forwarded_for
        self.settings = Settings(
            "wsgi",
            span_origin,
            methods(http_methods_to_capture),
            status_codes(failed_request_status_codes),
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        return run_wsgi(
            self.app, environ, start_response, self.settings,
            use_x_forwarded_for=self.use_x_forwarded_for,
        )


__all__ = ["STATE_KEY", "SentryWsgiMiddleware", "WsgiRequest", "run_wsgi"]
