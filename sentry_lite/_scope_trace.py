"""The trace side of ``Scope``: its propagation context and the tracing entry points.

Mixed into :class:`sentry_lite.scope.Scope`. The entry points (``start_transaction``,
``start_span``, ``continue_trace``, the outgoing headers) are ``sentry_sdk``'s Scope API over
the tracing layer, loaded on first use so that ``import sentry_lite`` stays light.
"""

from __future__ import annotations

from sentry_lite._scope_vars import _global, _isolation_var
from sentry_lite.tracing._propagation import PropagationContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from sentry_lite.scope import AnyClient, Scope


class ScopeTracing:
    """The propagation context a scope holds, and the spans it starts."""

    if TYPE_CHECKING:
        _propagation_context: PropagationContext | None
        _span: Any

        @staticmethod
        def get_client() -> AnyClient: ...

        @staticmethod
        def get_isolation_scope() -> Scope: ...

        @staticmethod
        def get_global_scope() -> Scope: ...
    else:
        __slots__ = ()  # the fields are Scope's slots

    # -- the propagation context ---------------------------------------------------

    @property
    def propagation_context(self) -> PropagationContext:
        ctx = self._propagation_context
        if ctx is None:
            ctx = self._propagation_context = PropagationContext()
        return ctx

    def set_new_propagation_context(self) -> None:
        self._propagation_context = PropagationContext()

    def generate_propagation_context(self, incoming_data: dict[str, str] | None = None) -> None:
        if self._propagation_context is None or incoming_data is not None:
            self._propagation_context = PropagationContext()

    def _set_trace(self, context: PropagationContext | None) -> None:
        """Adopt ``context`` (an incoming trace, a job's or a request's), or forget this
        scope's own so that the isolation scope's applies (``None``)."""
        self._propagation_context = context

    def get_active_propagation_context(self) -> PropagationContext:
        """This scope's context, else the isolation scope's, else the global one."""
        isolation = _isolation_var.get() or self.get_isolation_scope()
        for scope in (self, isolation, _global[0] if _global else self.get_global_scope()):
            if scope._propagation_context is not None:
                return scope._propagation_context
        return isolation.propagation_context

    def get_trace_context(self) -> dict[str, Any]:
        span = self._span
        if span is not None and hasattr(span, "get_trace_context"):
            context: dict[str, Any] = span.get_trace_context()
            return context
        return self.get_active_propagation_context().trace_context()

    # -- spans and transactions (sentry_lite.tracing, loaded on first use) ------------

    def start_transaction(
        self,
        transaction: Any = None,
        instrumenter: str = "sentry",
        custom_sampling_context: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A sampled (or not) transaction; ``with`` it to make it the active span. A span of
        another instrumenter than the client's (``instrumenter`` option) is a ``NoOpSpan``."""
        if instrumenter != self.get_client().options.instrumenter:
            from sentry_lite.tracing._ops import noop_span

            return noop_span()
        from sentry_lite.tracing._ops import start_transaction

        return start_transaction(self, transaction, custom_sampling_context, kwargs)  # type: ignore[arg-type]

    def start_span(self, instrumenter: str = "sentry", **kwargs: Any) -> Any:
        """A child of the active span (or a span outside any transaction)."""
        if instrumenter != self.get_client().options.instrumenter:
            from sentry_lite.tracing._ops import noop_span

            return noop_span()
        span = self._span
        if span is not None:
            return span.start_child(**kwargs)
        from sentry_lite.tracing._ops import start_orphan_span

        return start_orphan_span(self, kwargs)  # type: ignore[arg-type]

    def continue_trace(
        self,
        environ_or_headers: Any,
        op: str | None = None,
        name: str | None = None,
        source: str | None = None,
        origin: str = "manual",
    ) -> Any:
        """Join the trace of incoming headers (or a WSGI environ); a transaction to start."""
        from sentry_lite.tracing._ops import continue_trace

        return continue_trace(self, environ_or_headers, op, name, source, origin)  # type: ignore[arg-type]

    # -- outgoing headers ------------------------------------------------------------

    def get_traceparent(self, *args: Any, **kwargs: Any) -> str | None:
        """The ``sentry-trace`` header value for an outgoing request."""
        from sentry_lite.tracing._ops import traceparent

        return traceparent(self)  # type: ignore[arg-type]

    def get_baggage(self, *args: Any, **kwargs: Any) -> Any:
        """The ``Baggage`` (Sentry's members) for an outgoing request; ``.serialize()`` gives
        the header value."""
        from sentry_lite.tracing._ops import scope_baggage

        return scope_baggage(self)  # type: ignore[arg-type]

    def get_dynamic_sampling_context(self) -> dict[str, str] | None:
        from sentry_lite.tracing._ops import dynamic_sampling_context

        return dynamic_sampling_context(self)  # type: ignore[arg-type]

    def iter_trace_propagation_headers(
        self, *args: Any, **kwargs: Any
    ) -> Iterator[tuple[str, str]]:
        """``(name, value)`` of the ``sentry-trace`` and ``baggage`` headers to send
        (``span=`` picks the span they describe)."""
        from sentry_lite.tracing._ops import iter_headers

        return iter_headers(self, kwargs.get("span"))  # type: ignore[arg-type]


__all__ = ["ScopeTracing"]
