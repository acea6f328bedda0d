"""The body and the user of a Django request, for its events.

Read from Django's ``HttpRequest`` (kept on the request's state when Django resolves the
URL), only when an event is sent: the body within ``max_request_body_size`` (form fields,
file names without their content, JSON), and, with ``send_default_pii``, the
authenticated user (id, username, email). Outside error events the user is added only if
the application already loaded it: a transaction never costs a database query.
"""

from __future__ import annotations

from sentry_lite.integrations._http_common import (
    TOO_LARGE,
    add_user,
    add_user_ip,
    body_allowed,
    body_from_parts,
    client_ip,
    content_length,
    parse_json,
    request_from_environ,
    set_body,
    wants_body,
)
from sentry_lite.integrations._http_request import Framework

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sentry_lite.integrations._http_request import ServerRequest
    from sentry_lite.types import Event, Hint


class DjangoData(Framework):
    __slots__ = ()

    def body(self, state: ServerRequest) -> Any:
        request = state.native
        if request is None:
            return None
        options = state.client.options
        length = content_length(request.META.get("CONTENT_LENGTH"))
        if not length or not wants_body(options):
            return None
        if not body_allowed(options, length):
            return TOO_LARGE
        raw: bytes | None = None
        try:
            raw = request.body
        except Exception:  # RawPostDataException: the stream was read (multipart parsed)
            raw = None
        try:
            form, files = request.POST, request.FILES
        except Exception:
            form, files = None, None
        json_value = parse_json(raw, getattr(request, "content_type", None))
        return body_from_parts(form, files, json_value, has_raw=bool(raw))

    def user(self, state: ServerRequest, is_error: bool) -> dict[str, Any] | None:
        request = state.native
        user = getattr(request, "__dict__", {}).get("user")
        if user is None:
            return None
        if not is_error and _unevaluated(user):
            return None
        if not getattr(user, "is_authenticated", False):
            return None
        info: dict[str, Any] = {}
        pk = getattr(user, "pk", None)
        if pk is not None:
            info["id"] = str(pk)
        get_username = getattr(user, "get_username", None)
        if get_username is not None:
            info["username"] = get_username()
        email = getattr(user, "email", None)
        if email:
            info["email"] = email
        return info


def _unevaluated(value: Any) -> bool:
    """True for a lazy object (``request.user``) that has not been loaded yet."""
    wrapped = getattr(value, "__dict__", {}).get("_wrapped", None)
    if wrapped is None:
        return False  # not a lazy object
    from django.utils.functional import empty

    return wrapped is empty


DJANGO = DjangoData()


class _Detached:
    """What ``DjangoData`` reads of a request's state (its client, Django's request), for a
    request that reached Django through a handler sentry_lite does not wrap: the test
    client's ``ClientHandler``, a handler of the application's own."""

    __slots__ = ("client", "native")

    def __init__(self, client: Any, native: Any) -> None:
        self.client = client
        self.native = native


def request_processor(client: Any, request: Any) -> Callable[[Event, Hint], Event]:
    """An event processor giving an error the data of Django's ``request`` (URL, headers,
    body; with ``send_default_pii`` cookies and the user), for such a request."""
    state: Any = _Detached(client, request)
    pii = bool(client.options.send_default_pii)

    def process(event: Event, hint: Hint) -> Event:
        data = event.get("request")
        if data is None:
            data = request_from_environ(request.META, pii)
            try:
                set_body(event, data, DJANGO.body(state))
            except Exception:
                client.log_error("could not read the request body")
            event["request"] = data
        if pii:
            try:
                user = DJANGO.user(state, True)
            except Exception:
                client.log_error("could not read the request's user")
                user = None
            if user:
                add_user(event, user)
            headers = data.get("headers") or {}
            add_user_ip(event, client_ip(headers, request.META.get("REMOTE_ADDR")))
        return event

    return process

__all__ = ["DJANGO", "DjangoData", "request_processor"]
