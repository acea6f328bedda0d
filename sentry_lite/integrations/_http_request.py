"""One incoming HTTP request as the SDK sees it: its scopes, transaction and reports.

:class:`ServerRequest` is the part of request handling that does not depend on the
server interface; ``wsgi.py`` (and an ASGI middleware) subclass it and supply the
request data (:meth:`ServerRequest.base_request`, :meth:`ServerRequest.client_address`).

Life of a request::

    state = WsgiRequest(...)        # forks of the isolation and current scopes, the
                                    # trace continued, a transaction if traced
    tokens = state.enter()          # install the forks in this context
    ...application...               # state.capture(exc_info) on an unhandled error
    state.leave(tokens)             # the thread's own scopes come back
    # later (streamed responses): enter() again around each chunk, finish() at close

Request data is built lazily, by an event processor on the request's isolation scope:
only when an event or a transaction is actually sent, once per request.
"""

from __future__ import annotations

import weakref

from sentry_lite._health import begin_request, end_request
from sentry_lite._scope_vars import _current_var, _isolation_var
from sentry_lite.integrations import capture_exc
from sentry_lite.integrations._http_common import (
    SOURCE_URL,
    add_user,
    add_user_ip,
    continue_incoming,
    failed_status_event,
    set_body,
    set_http_status,
    start_http_transaction,
)
from sentry_lite.scope import get_current_scope, get_isolation_scope
from sentry_lite.tracing._status import SPANSTATUS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from contextvars import ContextVar, Token
    from typing import Any

    from sentry_lite.scope import Scope
    from sentry_lite.tracing._transaction import Transaction
    from sentry_lite.types import Event, ExcInfo, Hint

    Tokens = tuple[Token[Scope | None], Token[Scope | None]]

_isolation_get = _isolation_var.get
_current_get = _current_var.get


class Settings:
    """How an integration wants its requests handled (one object per integration)."""

    __slots__ = ("failed_codes", "mechanism", "methods", "origin")

    def __init__(
        self, mechanism: str, origin: str, methods: frozenset[str], failed_codes: frozenset[int]
    ) -> None:
        self.mechanism = mechanism  # mechanism.type of unhandled errors
        self.origin = origin  # the transaction's origin
        self.methods = methods  # traced methods
        self.failed_codes = failed_codes  # response statuses reported as errors


class Framework:
    """What a framework adds to a request's events; the defaults add nothing."""

    __slots__ = ()

    def body(self, state: ServerRequest) -> Any:
        """``request.data``: a value, ``TOO_LARGE``, ``RAW`` or None (error events only)."""
        return None

    def user(self, state: ServerRequest, is_error: bool) -> dict[str, Any] | None:
        """User fields (``send_default_pii`` only); cheap when ``is_error`` is False."""
        return None


NO_FRAMEWORK = Framework()


def _restore(var: ContextVar[Scope | None], token: Token[Scope | None], ours: Scope) -> None:
    # Only where our scope is still installed: a generator finalized in another thread
    # must not overwrite that thread's scopes.
    if var.get(None) is ours:
        old = token.old_value
        var.set(None if old is token.MISSING else old)


class _RequestData:
    """The request's event processor. It holds the request weakly: the request holds its
    isolation scope, and a cycle would keep both (and all they hold) until the garbage
    collector runs, instead of freeing them when the request is done."""

    __slots__ = ("_request",)

    def __init__(self, request: ServerRequest) -> None:
        self._request = weakref.ref(request)

    def __call__(self, event: Event, hint: Hint) -> Event:
        request = self._request()
        return event if request is None else request.process(event, hint)


class ServerRequest:
    """The SDK's state for one request; subclasses know the server interface."""

    __slots__ = (
        "__weakref__",
        "_captured",
        "_finished",
        "_request",
        "client",
        "current",
        "framework",
        "isolation",
        "method",
        "name",
        "native",
        "reported",
        "route_name",
        "route_source",
        "settings",
        "status",
        "transaction",
    )

    def __init__(
        self,
        client: Any,
        settings: Settings,
        method: str,
        name: str,
        carrier: Any,
        sampling_context: dict[str, Any] | None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.framework: Framework = NO_FRAMEWORK
        self.native: Any = None  # the framework's own request object, once it exists
        self.method = method
        self.name = name  # the URL-derived name; frameworks rename (route_name)
        self.route_name: str | None = None
        self.route_source: str | None = None
        self.status: int | None = None
        self.reported = False
        self._finished = False
        self._captured: BaseException | None = None
        self._request: dict[str, Any] | None = None
        isolation = (_isolation_get() or get_isolation_scope()).fork()
        current = (_current_get() or get_current_scope()).fork()
        current._set_trace(None)  # the request's trace lives on its isolation scope
        isolation.add_event_processor(_RequestData(self))
        if client.options.auto_session_tracking or isolation._force_auto_session_tracking:
            begin_request(client, isolation)  # the request is a release-health session
        self.isolation = isolation
        self.current = current
        self.transaction: Transaction | None = None
        if client.options.tracing_enabled and method in settings.methods:
            tx = start_http_transaction(
                isolation, carrier, name, SOURCE_URL, settings.origin, sampling_context
            )
            current.span = tx
            tx._entered(current)  # what ``with tx:`` does, on the request's own fork
            self.transaction = tx
        else:
            continue_incoming(isolation, carrier)
            current._set_transaction(name, SOURCE_URL)

    # -- the context ---------------------------------------------------------------

    def enter(self) -> Tokens:
        """Install the request's scopes in this context; give the tokens to leave()."""
        return _isolation_var.set(self.isolation), _current_var.set(self.current)

    def leave(self, tokens: Tokens) -> None:
        """Put back the scopes ``enter()`` replaced."""
        try:
            _current_var.reset(tokens[1])
        except (ValueError, RuntimeError):  # left in another context than entered
            _restore(_current_var, tokens[1], self.current)
        try:
            _isolation_var.reset(tokens[0])
        except (ValueError, RuntimeError):
            _restore(_isolation_var, tokens[0], self.isolation)

    # -- what the framework tells us -----------------------------------------------

    def set_name(self, name: str, source: str) -> None:
        """The route's name for the transaction and the request's events."""
        self.route_name = name
        self.route_source = source
        tx = self.transaction
        if tx is not None:
            tx.name = name  # updates the request's current scope as well
            tx.source = source
        else:
            self.current._set_transaction(name, source)
        innermost = _current_get()
        if innermost is not None and innermost is not self.current:
            innermost._set_transaction(name, source)

    def capture(self, exc_info: ExcInfo, mechanism: str | None = None) -> None:
        """Report an unhandled error of this request (``handled: false``), once."""
        self.reported = True
        if exc_info[1] is self._captured:
            return  # the framework reported it, and now the server layer sees it again
        self._captured = exc_info[1]
        capture_exc(exc_info, {"type": mechanism or self.settings.mechanism, "handled": False})

    @property
    def finished(self) -> bool:
        return self._finished

    def response_status(self, status: int | None) -> None:
        self.status = status

    def finish(self, error: bool = False) -> None:
        """The response is done: report a failed status, send the transaction (once).

        Call with the request's scopes installed.
        """
        if self._finished:
            return
        self._finished = True
        self._captured = None  # held no longer: its traceback's frames may hold this request
        status = self.status
        if (
            status is not None
            and status in self.settings.failed_codes
            and not self.reported
            and self.client.is_active()
        ):
            self.current.capture_event(failed_status_event(status, self.method))
        if self.isolation._session is not None:
            end_request(self.client, self.isolation)
        tx = self.transaction
        if tx is None:
            return
        if status is not None:
            set_http_status(tx, status)
        if error:  # raised before or while the body was sent: whatever the status said
            tx.status = SPANSTATUS.INTERNAL_ERROR
        tx.finish(self.current)

    # -- event data ------------------------------------------------------------------

    def base_request(self) -> dict[str, Any]:
        """The event's ``request`` without a body (built once per request)."""
        raise NotImplementedError

    def client_address(self) -> str | None:
        """The client's IP address (used only with ``send_default_pii``)."""
        return None

    def process(self, event: Event, hint: Hint) -> Event:
        """Event processor of the request's isolation scope: add the request's data."""
        is_error = event.get("type") != "transaction"
        if is_error and "exception" in event:
            self.reported = True  # an error is reported: the failed status needs no event
        if is_error and self.route_name is not None and event.get("transaction") == self.name:
            event["transaction"] = self.route_name
            event["transaction_info"] = {"source": self.route_source or SOURCE_URL}
        if "request" in event:
            return event
        base = self._request
        if base is None:
            base = self._request = self.base_request()
        request = dict(base)
        if is_error:
            try:
                set_body(event, request, self.framework.body(self))
            except Exception:
                self.client.log_error("could not read the request body")
        event["request"] = request
        if self.client.options.send_default_pii:
            self._add_pii(event, is_error)
        return event

    def _add_pii(self, event: Event, is_error: bool) -> None:
        try:
            user = self.framework.user(self, is_error)
        except Exception:
            self.client.log_error("could not read the request's user")
            user = None
        if user:
            add_user(event, user)
        add_user_ip(event, self.client_address())


__all__ = ["NO_FRAMEWORK", "Framework", "ServerRequest", "Settings"]
