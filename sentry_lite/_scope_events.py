"""What a ``Scope`` adds to events, and sends: breadcrumbs, attachments, processors, captures,
sessions.

Mixed into :class:`sentry_lite.scope.Scope`. A capture stacks the global, isolation and
current scopes (and an explicit one on top) and hands them to the client, which merges them
into the event (``sentry_lite._merge``).
"""

from __future__ import annotations

from collections import deque
from time import time as _time

from sentry_lite._scope_vars import _global, _isolation_var, _scoped_clients

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from sentry_lite.attachments import Attachment
    from sentry_lite.scope import AnyClient, Scope
    from sentry_lite.types import (
        Breadcrumb,
        BreadcrumbHint,
        ErrorProcessor,
        Event,
        EventProcessor,
        ExcInfo,
        Hint,
        LogLevelStr,
    )


class ScopeEvents:
    """What a scope adds to the events it applies to, and the captures made through it."""

    if TYPE_CHECKING:
        _attachments: tuple[Attachment, ...]
        _breadcrumbs: deque[Breadcrumb]
        _crumbs_shared: bool
        _unprepared: int
        _client: AnyClient | None
        _level: str | None
        _user: dict[str, Any] | None
        _extras: dict[str, Any]
        _contexts: dict[str, dict[str, Any]]
        _tags: dict[str, Any]
        _fingerprint: list[str] | None
        _event_processors: tuple[EventProcessor, ...]
        _error_processors: tuple[ErrorProcessor, ...]
        _force_auto_session_tracking: bool | None
        _last_event_id: str | None

        @property
        def client(self) -> AnyClient: ...

        @staticmethod
        def get_isolation_scope() -> Scope: ...

        @staticmethod
        def get_global_scope() -> Scope: ...

        def fork(self) -> Scope: ...

        @staticmethod
        def get_client() -> AnyClient: ...

        def set_attributes(self, attributes: dict[str, Any]) -> None: ...
    else:
        __slots__ = ()  # the fields are Scope's slots

    # -- breadcrumbs ---------------------------------------------------------------

    def add_breadcrumb(
        self, crumb: Breadcrumb | None = None, hint: BreadcrumbHint | None = None, **kwargs: Any
    ) -> None:
        """Record a breadcrumb; ``before_breadcrumb`` may change or drop it."""
        if crumb:
            self._add_crumb({**crumb, **kwargs} if kwargs else dict(crumb), hint)
        elif kwargs:
            self._add_crumb(kwargs, hint)

    def _add_crumb(self, new: dict[str, Any], hint: BreadcrumbHint | None) -> None:
        # Kept cheap: a timestamp and an append. Making the crumb JSON-safe, typed and
        # scrubbed happens once, at the first event that carries it. ``new`` is ours.
        # (api.add_breadcrumb comes here too: this is the one copy of these rules.)
        client = self._client
        if client is None:
            # inline get_client()'s common case: one client, bound to the global scope
            client = _global[0]._client if _global and not _scoped_clients[0] else None
            if client is None:
                client = self.get_client()
        if not client.recording:
            return
        if "timestamp" not in new:
            new["timestamp"] = _time()
        options = client.options
        if options.before_breadcrumb is not None:
            new.setdefault("type", "default")
            result = _before_breadcrumb(client, new, hint)
            if result is None:
                return
            new = result
        crumbs = self._breadcrumbs
        if self._crumbs_shared or crumbs.maxlen != options.max_breadcrumbs:
            crumbs = self._breadcrumbs = deque(crumbs, maxlen=options.max_breadcrumbs)
            self._crumbs_shared = False
        crumbs.append(new)  # type: ignore[arg-type]
        self._unprepared += 1

    def clear_breadcrumbs(self) -> None:
        self._breadcrumbs = deque(maxlen=self._breadcrumbs.maxlen)
        self._crumbs_shared = False
        self._unprepared = 0

    def prepared_breadcrumbs(self, prepare: Callable[[Breadcrumb], object]) -> deque[Breadcrumb]:
        """The breadcrumbs, each made final (JSON-safe, scrubbed) exactly once."""
        crumbs = self._breadcrumbs
        pending = min(self._unprepared, len(crumbs))
        if pending:
            for index in range(len(crumbs) - pending, len(crumbs)):
                prepare(crumbs[index])
            self._unprepared = 0
        return crumbs

    # -- attachments and processors -----------------------------------------------

    def add_attachment(
        self,
        bytes: bytes | Callable[[], bytes] | None = None,
        filename: str | None = None,
        path: str | None = None,
        content_type: str | None = None,
        add_to_transactions: bool = False,
    ) -> None:
        from sentry_lite.attachments import Attachment

        attachment = Attachment(bytes, filename, path, content_type, add_to_transactions)
        self._attachments = (*self._attachments, attachment)

    def clear_attachments(self) -> None:
        self._attachments = ()

    def add_event_processor(self, func: EventProcessor) -> None:
        """Run ``func(event, hint)`` on every event this scope applies to."""
        self._event_processors = (*self._event_processors, func)

    def add_error_processor(
        self, func: ErrorProcessor, cls: type[BaseException] | None = None
    ) -> None:
        """Run ``func(event, exc_info)`` on error events (of class ``cls`` if given)."""
        if cls is not None:
            inner = func

            def func(event: Event, exc_info: ExcInfo) -> Event | None:
                if exc_info[0] is not None and issubclass(exc_info[0], cls):
                    return inner(event, exc_info)
                return event

        self._error_processors = (*self._error_processors, func)

    def apply_to_event(
        self, event: Event, hint: Hint, options: Any = None
    ) -> Event | None:
        """Apply this scope alone (with the global processors) to ``event``."""
        from sentry_lite._merge import apply_scopes

        return apply_scopes(event, hint, [self], options)  # type: ignore[list-item]

    def update_from_kwargs(
        self,
        user: Any = None,
        level: LogLevelStr | None = None,
        extras: dict[str, Any] | None = None,
        contexts: dict[str, dict[str, Any]] | None = None,
        tags: Mapping[str, object] | None = None,
        fingerprint: list[str] | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> None:
        """Set values from the keyword arguments ``capture_*`` accepts."""
        if level is not None:
            self._level = level
        if user is not None:
            self._user = user
        if extras is not None:
            self._extras.update(extras)
        if contexts is not None:
            self._contexts.update(contexts)
        if tags is not None:
            self._tags.update(tags)
        if fingerprint is not None:
            self._fingerprint = list(fingerprint)
        if attributes:
            self.set_attributes(attributes)

    # -- release health (sentry_lite._health) -----------------------------------------

    def start_session(self, *args: Any, **kwargs: Any) -> None:
        """End this scope's session if any, and start a new one (``session_mode=``)."""
        from sentry_lite._health import start_session

        start_session(self, kwargs.get("session_mode", "application"))  # type: ignore[arg-type]

    def end_session(self, *args: Any, **kwargs: Any) -> None:
        """Close this scope's session, if any, and hand it to the client to send."""
        from sentry_lite._health import end_session

        end_session(self)  # type: ignore[arg-type]

    def stop_auto_session_tracking(self, *args: Any, **kwargs: Any) -> None:
        """End the session and track none on this scope until resumed."""
        self.end_session()
        self._force_auto_session_tracking = False

    def resume_auto_session_tracking(self) -> None:
        """Track sessions again as the ``auto_session_tracking`` option says."""
        self._force_auto_session_tracking = None

    # -- capture -------------------------------------------------------------------

    def _layers(self, scope: Any, scope_kwargs: dict[str, Any]) -> list[Scope]:
        # the holders read in place (no call in the common case: both scopes exist)
        layers = [_global[0] if _global else self.get_global_scope(),
                  _isolation_var.get() or self.get_isolation_scope()]
        if self is not layers[0] and self is not layers[1]:
            layers.append(self)  # type: ignore[arg-type]
        if scope is not None or scope_kwargs:
            scope_class = type(self)
            if scope is not None and not isinstance(scope, ScopeEvents):
                if not callable(scope):
                    raise TypeError("scope must be a Scope or a callable taking a Scope")
                callback, scope = scope, scope_class()
                callback(scope)
            if scope_kwargs:
                scope = scope.fork() if scope is not None else scope_class()
                scope.update_from_kwargs(**scope_kwargs)
            layers.append(scope)
        return layers

    def capture_event(
        self, event: Event, hint: Hint | None = None, scope: Any = None, **scope_kwargs: Any
    ) -> str | None:
        """Send ``event`` with this scope's data (and an explicit ``scope`` on top)."""
        client = self.client
        if not client.is_active():
            return None
        try:
            layers = self._layers(scope, scope_kwargs)
        except Exception as exc:
            client.log_error(f"capture_event: {exc}")
            return None
        event_id = client.capture_event(event, hint, scopes=layers)
        if event_id is not None and event.get("type") != "transaction":
            (_isolation_var.get() or self.get_isolation_scope())._last_event_id = event_id
        return event_id

    def capture_message(
        self,
        message: str,
        level: LogLevelStr | None = None,
        scope: Any = None,
        **scope_kwargs: Any,
    ) -> str | None:
        """Send a message event (level ``info`` unless given)."""
        client = self.client
        if not client.is_active():
            return None
        event: Event = {"message": message, "level": level or "info"}
        return self.capture_event(event, None, scope=scope, **scope_kwargs)

    def capture_exception(
        self,
        error: BaseException | ExcInfo | None = None,
        scope: Any = None,
        **scope_kwargs: Any,
    ) -> str | None:
        """Send an error event for ``error``, or for the exception being handled."""
        client = self.client
        if not client.is_active():
            return None
        try:
            made = client.event_from_error(error)
        except Exception:
            client.log_error("could not build an event from the exception")
            return None
        if made is None:
            return None
        return self.capture_event(made[0], made[1], scope=scope, **scope_kwargs)



# -- before_breadcrumb ----------------------------------------------------


def _before_breadcrumb(
    client: AnyClient, crumb: dict[str, Any], hint: BreadcrumbHint | None
) -> dict[str, Any] | None:
    try:
        result = client.options.before_breadcrumb(crumb, hint or {})
    except Exception:
        client.log_error("before_breadcrumb raised; the breadcrumb is kept as it was")
        return crumb
    if result is None:
        client.log_debug("before_breadcrumb dropped a breadcrumb")
        return None
    return dict(result)


__all__ = ["ScopeEvents"]
