"""Release health glue: sessions on scopes, what events do to them, request sessions.

- ``start_session(scope, mode)`` / ``end_session(scope)``: what ``Scope.start_session`` and
  ``Scope.end_session`` (and the module-level functions) do;
- ``session_of(scopes)`` and ``update_from_event(session, event)``: the client counts an
  error event in the session of the scopes it was captured with; an unhandled one
  (``mechanism.handled`` false) marks the session ``crashed``;
- ``begin_request(client, isolation)`` / ``end_request(isolation)``: the shared request
  layer of the web integrations makes every request a ``request``-mode session.

No release, no session (the official SDK drops sessions without one); with
``debug=True`` the SDK says so once.
"""

from __future__ import annotations

from sentry_lite._event.release import default_release
from sentry_lite.session import Session

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite.scope import Scope
    from sentry_lite.types import Event

_said_no_release: list[bool] = []


def release_of(client: Any) -> str | None:
    """The release sessions are reported for (the option, else the detected one)."""
    options = client.options
    release: str | None = options.release or default_release(options)
    if not release and not _said_no_release:
        _said_no_release.append(True)
        client.log_debug("no release is set: release health (sessions) is off")
    return release


def _new_session(client: Any, scope: Scope, mode: str) -> Session | None:
    if not client.is_active():
        return None
    release = release_of(client)
    if not release:
        return None
    return Session(release=release, environment=client.options.environment,
                   user=scope._user, session_mode=mode)


def start_session(scope: Scope, session_mode: str = "application") -> None:
    end_session(scope)
    if session_mode == "request":
        _request_session(scope.client, scope)
        return
    try:
        scope._swap_session(_new_session(scope.client, scope, session_mode))
    except Exception:
        scope.client.log_error("could not start a session")


def end_session(scope: Scope) -> None:
    session = scope._swap_session(None)
    if session is None:
        return
    client = scope.client
    try:
        if session.session_mode != "request":
            session.close()
        elif session.status == "ok":  # close() without the end time aggregates leave out
            session.status = "exited"
        capture = getattr(client, "capture_session", None)
        if capture is not None:
            capture(session)
    except Exception:
        client.log_error("could not end the session")


def session_of(scopes: list[Scope]) -> Session | None:
    """The session an event captured with ``scopes`` counts in (the innermost one)."""
    for scope in reversed(scopes):
        session = scope._session
        if session is not None:
            return session
    return None


def update_from_event(session: Session, event: Event) -> None:
    """Count an error event in ``session`` (as the official SDK does)."""
    errored = crashed = False
    exception = event.get("exception")
    values = exception.get("values") if isinstance(exception, dict) else None
    if values:
        errored = True
        for value in values:
            mechanism = value.get("mechanism") if isinstance(value, dict) else None
            if isinstance(mechanism, dict) and mechanism.get("handled") is False:
                crashed = True
                break
    user_agent = None
    if session.user_agent is None:
        request = event.get("request")
        headers = request.get("headers") if isinstance(request, dict) else None
        if isinstance(headers, dict):
            for key, value in headers.items():
                if key.lower() == "user-agent":
                    user_agent = value
                    break
    session.update(status="crashed" if crashed else None, user=event.get("user"),
                   user_agent=user_agent, errors=session.errors + (errored or crashed))


# -- request mode -------------------------------------------------------------------------


def begin_request(client: Any, isolation: Scope) -> None:
    """Give the request's own isolation scope a ``request``-mode session, if tracking."""
    forced = isolation._force_auto_session_tracking
    if not (client.options.auto_session_tracking if forced is None else forced):
        return  # errors of the request count in the session it inherited, if any
    _request_session(client, isolation)


def _request_session(client: Any, scope: Scope) -> None:
    release = release_of(client) if client.is_active() else None
    if release:
        scope._swap_session(Session._for_request(release, client.options.environment, "request"))


def end_request(client: Any, isolation: Scope) -> None:
    """The request is over: count its session in the aggregates."""
    session = isolation._session
    if session is None or session.session_mode != "request":
        return
    isolation._swap_session(None)
    if session.status == "ok":  # what close() does; the end time is not part of aggregates
        session.status = "exited"
    capture = getattr(client, "capture_session", None)
    if capture is not None:
        capture(session)


__all__ = [
    "begin_request",
    "end_request",
    "end_session",
    "release_of",
    "session_of",
    "start_session",
    "update_from_event",
]
