"""The parts of ``Span`` that exist for code written for ``sentry_sdk``: the deprecated
``continue_from_*`` constructors, thread and profiler data, feature flags, ``hub``/``scope``."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from sentry_lite.tracing._transaction import Transaction

MAX_FLAGS = 10
FLAG_PREFIX = "flag.evaluation."


class SpanCompat:
    """Mixed into :class:`~sentry_lite.tracing._span.Span` (no state of its own)."""

    __slots__ = ()

    if TYPE_CHECKING:
        _data: dict[str, Any] | None

        @property
        def data(self) -> dict[str, Any]: ...

        def set_data(self, key: str, value: Any) -> None: ...

    @property
    def hub(self) -> Any:
        """The official SDK's deprecated ``span.hub``: always ``None`` here."""
        return None

    @hub.setter
    def hub(self, value: Any) -> None:
        pass

    @property
    def scope(self) -> Any:
        """The official SDK's ``span.scope``: ``None`` here (a span does not keep a scope)."""
        return None

    @scope.setter
    def scope(self, value: Any) -> None:
        pass

    def set_flag(self, flag: str, result: bool) -> None:
        """Record a feature flag's evaluation (at most ``MAX_FLAGS`` per span)."""
        key = FLAG_PREFIX + flag
        data = self.data
        if key in data or sum(k.startswith(FLAG_PREFIX) for k in data) < MAX_FLAGS:
            data[key] = result

    def set_thread(self, thread_id: int | None, thread_name: str | None) -> None:
        if thread_id is not None:
            self.set_data("thread.id", str(thread_id))
            if thread_name is not None:
                self.set_data("thread.name", thread_name)

    def set_profiler_id(self, profiler_id: str | None) -> None:
        if profiler_id is not None:
            self.set_data("profiler_id", profiler_id)

    def update_active_thread(self) -> None:
        """Record the thread this code runs on (``thread.id``, ``thread.name``)."""
        import threading

        thread = threading.current_thread()
        self.set_thread(thread.ident, thread.name)

    def get_profile_context(self) -> dict[str, Any] | None:
        profiler_id = (self._data or {}).get("profiler_id")
        return None if profiler_id is None else {"profiler_id": profiler_id}

    def init_span_recorder(self, maxlen: int) -> None:
        """The official SDK's span buffer set-up: spans join their transaction here."""
        return

    @classmethod
    def continue_from_environ(cls, environ: Mapping[str, str], **kwargs: Any) -> Transaction:
        """Deprecated (use ``continue_trace``): a transaction continuing a WSGI environ's trace."""
        from sentry_lite.tracing._continue import continue_from_environ

        return continue_from_environ(environ, kwargs)

    @classmethod
    def continue_from_headers(
        cls, headers: Mapping[str, str], *, _sample_rand: str | None = None, **kwargs: Any
    ) -> Transaction:
        """Deprecated (use ``continue_trace``): a transaction continuing the headers' trace."""
        from sentry_lite.tracing._continue import continue_from_headers

        return continue_from_headers(headers, _sample_rand, kwargs)

    @classmethod
    def from_traceparent(cls, traceparent: str | None, **kwargs: Any) -> Transaction | None:
        """Deprecated (use ``continue_trace``): a transaction under a ``sentry-trace`` value."""
        if not traceparent:
            return None
        return cls.continue_from_headers({"sentry-trace": traceparent}, **kwargs)


__all__ = ["FLAG_PREFIX", "MAX_FLAGS", "SpanCompat"]
