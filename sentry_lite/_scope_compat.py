"""The parts of ``Scope`` that exist for code written for ``sentry_sdk``: meta tags, telemetry
attributes, feature flags, the session hooks, scope setters, processors run by hand...

Mixed into :class:`sentry_lite.scope.Scope`; nothing here runs on the hot paths. Rare data
(attributes, conversation id, profile) lives in one dict, ``_compat``, that forks share and
that a write replaces (copy on write), so forking costs one store.
"""

from __future__ import annotations

from sentry_lite._scope_vars import _current_var, _global, _global_processors, _isolation_var

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from sentry_lite._flags import FlagBuffer
    from sentry_lite.scope import Scope
    from sentry_lite.types import Event, Hint

class ScopeCompat:
    """Methods of the official ``Scope`` that sentry_lite's core does not need itself."""

    if TYPE_CHECKING:
        _compat: dict[str, Any]
        _flags: FlagBuffer | None
        _contexts: dict[str, dict[str, Any]]
        _user: dict[str, Any] | None
        _span: Any
        _propagation_context: Any
        _event_processors: tuple[Any, ...]
        _error_processors: tuple[Any, ...]

        @property
        def client(self) -> Any: ...

        @staticmethod
        def get_current_scope() -> Scope: ...

        def get_trace_context(self) -> dict[str, Any]: ...

        def iter_trace_propagation_headers(
            self, *args: Any, **kwargs: Any
        ) -> Iterator[tuple[str, str]]: ...
    else:
        __slots__ = ()  # the fields are Scope's slots

    # -- scope setters and processors ----------------------------------------------

    @staticmethod
    def set_current_scope(new_current_scope: Scope) -> None:
        """Make ``new_current_scope`` the current scope of this context (no restore)."""
        _current_var.set(new_current_scope)

    @staticmethod
    def set_isolation_scope(new_isolation_scope: Scope) -> None:
        """Make ``new_isolation_scope`` the isolation scope of this context (no restore)."""
        _isolation_var.set(new_isolation_scope)

    @classmethod
    def set_custom_sampling_context(cls, custom_sampling_context: dict[str, Any]) -> None:
        """Extra values for ``traces_sampler``'s sampling context in this trace."""
        context = cls.get_current_scope().get_active_propagation_context()
        context.custom_sampling_context = dict(custom_sampling_context)

    def _processors(self, attribute: str) -> list[Any]:
        found: list[Any] = list(_global_processors) if attribute == "_event_processors" else []
        for scope in (_global[0] if _global else None, _isolation_var.get(), _current_var.get()):
            if scope is not None:
                found.extend(getattr(scope, attribute))
        return found

    def run_event_processors(self, event: Event, hint: Hint) -> Event | None:
        """Run the global, isolation and current scopes' event processors on ``event``."""
        if event.get("type") == "check_in":
            return event
        for processor in self._processors("_event_processors"):
            try:
                result = processor(event, hint)
            except Exception:
                self.client.log_error("an event processor raised; it is skipped")
                continue
            if result is None:
                return None
            event = result
        return event

    def run_error_processors(self, event: Event, hint: Hint) -> Event | None:
        """Run the scopes' error processors on ``event`` when ``hint`` has ``exc_info``."""
        exc_info = hint.get("exc_info")
        if exc_info is None:
            return event
        for processor in self._processors("_error_processors"):
            try:
                result = processor(event, exc_info)
            except Exception:
                self.client.log_error("an error processor raised; it is skipped")
                continue
            if result is None:
                return None
            event = result
        return event

    # -- propagation ---------------------------------------------------------------

    def iter_headers(self) -> Iterator[tuple[str, str]]:
        """Deprecated upstream: the headers of this scope's own propagation context."""
        if self._propagation_context is not None:
            yield from self._propagation_context.iter_headers()

    def trace_propagation_meta(self, *args: Any, **kwargs: Any) -> str:
        """``<meta>`` tags with the trace headers, for HTML pages that continue the trace."""
        from html import escape

        kwargs.pop("span", None)
        return "".join(
            f'<meta name="{name}" content="{escape(content)}">'
            for name, content in self.iter_trace_propagation_headers()
        )

    # -- feature flags, attributes, AI conversation, profile ----------------------

    @property
    def flags(self) -> FlagBuffer:
        """The feature-flag evaluations recorded on this scope (see ``feature_flags``)."""
        if self._flags is None:
            from sentry_lite._flags import DEFAULT_FLAG_CAPACITY, FlagBuffer

            client = self.client
            self._flags = FlagBuffer(client.options.max_flags or DEFAULT_FLAG_CAPACITY)
        return self._flags

    def _set_compat(self, key: str, value: Any) -> None:
        # replaced, not changed: forks share it (the slot is Scope's)
        self._compat = {**self._compat, key: value}

    def set_attribute(self, attribute: str, value: Any) -> None:
        """An attribute that logs and metrics captured under this scope carry."""
        self._set_compat("attributes", {**self._compat.get("attributes", {}), attribute: value})

    def set_attributes(self, attributes: dict[str, Any]) -> None:
        for attribute, value in attributes.items():
            self.set_attribute(attribute, value)

    def remove_attribute(self, attribute: str) -> None:
        attributes = dict(self._compat.get("attributes", {}))
        if attributes.pop(attribute, None) is not None:
            self._set_compat("attributes", attributes)

    def set_global_attributes(self) -> None:
        """The SDK, runtime, server, environment and release attributes of telemetry."""
        import platform
        import sys

        from sentry_lite.consts import VERSION

        options = self.client.options
        self.set_attributes({
            "sentry.sdk.name": "sentry.python",
            "sentry.sdk.version": VERSION,
            "process.runtime.name": platform.python_implementation(),
            "process.runtime.version": "{}.{}.{}".format(*sys.version_info[:3]),
        })
        for key, value in (("server.address", options.server_name),
                           ("sentry.environment", options.environment),
                           ("sentry.release", options.release)):
            if value:
                self.set_attribute(key, value)

    def apply_to_telemetry(self, telemetry: dict[str, Any]) -> None:
        """Fill a log's or metric's trace ids and attributes from this scope (what the
        telemetry already has wins)."""
        trace = self.get_trace_context()
        if telemetry.get("trace_id") is None and trace.get("trace_id") is not None:
            telemetry["trace_id"] = trace["trace_id"]
        if telemetry.get("span_id") is None and self._span is not None:
            telemetry["span_id"] = self._span.span_id
        attributes = telemetry.setdefault("attributes", {})
        for key, value in self._compat.get("attributes", {}).items():
            attributes.setdefault(key, value)
        user = self._user or {}
        for key in ("id", "username", "email"):
            if user.get(key) is not None:
                attributes.setdefault(f"user.{'name' if key == 'username' else key}", user[key])

    def get_conversation_id(self) -> str | None:
        """The AI conversation id of gen_ai spans in this scope."""
        found: str | None = self._compat.get("conversation_id")
        return found

    def set_conversation_id(self, conversation_id: str) -> None:
        self._set_compat("conversation_id", conversation_id)

    def remove_conversation_id(self) -> None:
        self._set_compat("conversation_id", None)

    @property
    def profile(self) -> Any:
        """The transaction profile: ``None`` (profiling is not implemented yet)."""
        return self._compat.get("profile")

    @profile.setter
    def profile(self, profile: Any) -> None:
        self._set_compat("profile", profile)

    # -- streamed spans (sentry_sdk.traces): not implemented ------------------------

    @property
    def streamed_span(self) -> Any:
        """``None``: sentry_lite has no streamed spans."""
        return None

    @streamed_span.setter
    def streamed_span(self, span: Any) -> None:
        pass

    def start_streamed_span(
        self,
        name: str,
        attributes: dict[str, Any] | None = None,
        parent_span: Any = None,
        active: bool = True,
    ) -> Any:
        """Not implemented: raises ``NotImplementedError`` (see ``sentry_lite.traces``)."""
        raise NotImplementedError(
            "sentry_lite does not implement span streaming (Scope.start_streamed_span); "
            "use start_transaction / start_span"
        )


__all__ = ["ScopeCompat"]
