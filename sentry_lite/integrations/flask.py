"""Flask: every request of every ``Flask`` app is reported as the WSGI middleware does.

``Flask.__call__`` runs the app through :func:`~sentry_lite.integrations.wsgi.run_wsgi`
(an isolation scope per request, the incoming trace continued, an ``http.server``
transaction when tracing), so middlewares the application put on ``app.wsgi_app`` run
inside. On top of that:

- the transaction is named after the matched rule: its endpoint
  (``transaction_style="endpoint"``, source ``component``) or its URL rule
  (``"url"``, source ``route``), from Flask's ``request_started`` signal;
- exceptions Flask turns into a 500 response are captured from its
  ``got_request_exception`` signal (``mechanism: flask, handled: false``);
- error events carry the request body from Flask's request object (form fields, files as
  names only, JSON) within ``max_request_body_size``, and, with ``send_default_pii``,
  the Flask-Login user (id, email, username) when the application uses Flask-Login.
"""

from __future__ import annotations

import sys

from sentry_lite.integrations import (
    DidNotEnable,
    Integration,
    active,
    capture_exc,
    on_uninstall,
    patch,
)
from sentry_lite.integrations._http_common import (
    DEFAULT_HTTP_METHODS_TO_CAPTURE,
    SOURCE_COMPONENT,
    SOURCE_ROUTE,
    TOO_LARGE,
    body_allowed,
    body_from_parts,
    check_style,
    methods,
    status_codes,
    wants_body,
)
from sentry_lite.integrations._http_request import Framework, Settings
from sentry_lite.integrations.wsgi import STATE_KEY, run_wsgi

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from sentry_lite.integrations._http_request import ServerRequest
    from sentry_lite.types import ExcInfo

IDENTIFIER = "flask"
ORIGIN = "auto.http.flask"
SOURCES = {"endpoint": SOURCE_COMPONENT, "url": SOURCE_ROUTE}


class FlaskIntegration(Integration):
    """Report Flask requests: errors, request data, transactions named after routes."""

    identifier = IDENTIFIER
    origin = ORIGIN

    def __init__(
        self,
        transaction_style: str = "endpoint",
        http_methods_to_capture: Iterable[str] = DEFAULT_HTTP_METHODS_TO_CAPTURE,
        failed_request_status_codes: Any = None,
    ) -> None:
        self.transaction_style = check_style(transaction_style, SOURCES)
        self.settings = Settings(
            IDENTIFIER,
            ORIGIN,
            methods(http_methods_to_capture),
            status_codes(failed_request_status_codes),
        )

    @staticmethod
    def setup_once() -> None:
        try:
            from flask import Flask, signals
        except ImportError as exc:
            raise DidNotEnable(f"Flask is not installed: {exc}") from None
        _patch_call(Flask)
        for signal, receiver in (
            (signals.request_started, _request_started),
            (signals.got_request_exception, _got_request_exception),
        ):
            signal.connect(receiver, weak=False)
            on_uninstall(IDENTIFIER, _disconnect(signal, receiver))


def _disconnect(signal: Any, receiver: Any) -> Any:
    return lambda: signal.disconnect(receiver)


def _patch_call(flask_class: Any) -> None:
    original = flask_class.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        integration = active(IDENTIFIER)
        if integration is None:
            return original(self, environ, start_response)
        return run_wsgi(self.wsgi_app, environ, start_response, integration.settings, FLASK)

    patch(IDENTIFIER, flask_class, "__call__", __call__)


_request_proxy: list[Any] = []


def _request_state() -> tuple[Any, ServerRequest | None]:
    if not _request_proxy:
        from flask import request

        _request_proxy.append(request)
    try:
        flask_request = _request_proxy[0]._get_current_object()
    except RuntimeError:  # outside a request
        return None, None
    return flask_request, flask_request.environ.get(STATE_KEY)


def _request_started(sender: Any, **extra: Any) -> None:
    integration = active(IDENTIFIER)
    if integration is None:
        return
    flask_request, state = _request_state()
    rule = getattr(flask_request, "url_rule", None)
    if state is None or rule is None:
        return
    style = integration.transaction_style
    state.set_name(rule.endpoint if style == "endpoint" else rule.rule, SOURCES[style])


def _got_request_exception(sender: Any, exception: BaseException, **extra: Any) -> None:
    integration = active(IDENTIFIER)
    if integration is None:
        return
    exc_info: ExcInfo = sys.exc_info()
    if exc_info[1] is not exception:
        exc_info = (type(exception), exception, exception.__traceback__)
    _, state = _request_state()
    if state is not None:
        state.capture(exc_info, IDENTIFIER)
    else:
        capture_exc(exc_info, {"type": IDENTIFIER, "handled": False})


class _FlaskData(Framework):
    """The body and user of a Flask request, read from Flask's request object."""

    __slots__ = ()

    def body(self, state: ServerRequest) -> Any:
        flask_request = getattr(state, "environ", {}).get("werkzeug.request")
        if flask_request is None:
            return None
        length = flask_request.content_length
        options = state.client.options
        if length == 0 or not wants_body(options):
            return None
        if not body_allowed(options, length):
            return TOO_LARGE
        raw = b""
        if "form" not in vars(flask_request):  # the form was not parsed: the stream is intact
            raw = flask_request.get_data(cache=True)
        json_value = flask_request.get_json(silent=True) if flask_request.is_json else None
        return body_from_parts(
            flask_request.form, flask_request.files, json_value, has_raw=bool(raw)
        )

    def user(self, state: ServerRequest, is_error: bool) -> dict[str, Any] | None:
        login = sys.modules.get("flask_login")
        if login is None or not is_error:
            return None  # outside error events the request context may be gone
        user = login.current_user
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        info: dict[str, Any] = {}
        get_id = getattr(user, "get_id", None)
        if get_id is not None:
            info["id"] = get_id()
        for field in ("email", "username"):
            value = getattr(user, field, None)
            if value is not None:
                info[field] = value
        return info


FLASK = _FlaskData()

__all__ = ["FlaskIntegration"]
