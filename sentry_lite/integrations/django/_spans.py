"""Spans for Django's middleware and template rendering (only inside a sampled transaction).

Middleware: ``django.core.handlers.base.import_string`` (used by ``load_middleware`` and
nothing else there) is wrapped, so that each middleware Django instantiates is a proxy
timing ``__call__``, ``process_view``, ``process_exception`` and
``process_template_response`` (op ``middleware.django``). The proxy has exactly the
hooks the middleware has, and is a coroutine function exactly when the middleware is.

Templates: ``Template.render`` of Django's template engine gets an op
``template.render`` span named after the template (nested renders, ``{% include %}``,
stay inside their parent's span).
"""

from __future__ import annotations

from sentry_lite._scope_vars import _current_var

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sentry_lite.tracing._span import Span

ORIGIN = "auto.http.django"
MIDDLEWARE_OP = "middleware.django"
TEMPLATE_OP = "template.render"
HOOKS = ("process_view", "process_exception", "process_template_response")
_current_get = _current_var.get


def child_span(op: str, description: str) -> Span | None:
    """A child of the active span when it belongs to a sampled transaction, else None."""
    scope = _current_get()
    parent = scope._span if scope is not None else None
    if parent is None or not parent.sampled or parent.containing_transaction is None:
        return None
    span: Span = parent.start_child(op=op, name=description, origin=ORIGIN)
    return span


# -- middleware -------------------------------------------------------------------------


def wrap_middleware(factory: Any, path: str, enabled: Callable[[], bool]) -> Any:
    """A stand-in for the middleware ``factory`` whose instances are timed."""
    if not callable(factory):
        return factory

    def make(get_response: Any) -> Any:
        instance = factory(get_response)
        if instance is None:
            return None
        from asgiref.sync import iscoroutinefunction

        if iscoroutinefunction(instance):
            return _AsyncMiddleware(instance, path, enabled)
        return _Middleware(instance, path, enabled)

    make.sync_capable = getattr(factory, "sync_capable", True)  # type: ignore[attr-defined]
    make.async_capable = getattr(factory, "async_capable", False)  # type: ignore[attr-defined]
    make.__name__ = getattr(factory, "__name__", "middleware")
    make.__qualname__ = getattr(factory, "__qualname__", make.__name__)
    make.__wrapped__ = factory  # type: ignore[attr-defined]
    return make


class _Middleware:
    """A middleware instance, timed."""

    def __init__(self, inner: Any, path: str, enabled: Callable[[], bool]) -> None:
        self._inner = inner
        self._name = path
        self._enabled = enabled

    def __call__(self, request: Any) -> Any:
        span = child_span(MIDDLEWARE_OP, self._name) if self._enabled() else None
        if span is None:
            return self._inner(request)
        with span:
            return self._inner(request)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)  # AttributeError: Django sees no such hook
        if name in HOOKS and callable(value):
            return _hook(value, f"{self._name}.{name}", self._enabled)
        return value

    def __repr__(self) -> str:
        return f"<sentry_lite timed {self._inner!r}>"


class _AsyncMiddleware(_Middleware):
    """An asynchronous middleware instance, timed."""

    def __init__(self, inner: Any, path: str, enabled: Callable[[], bool]) -> None:
        super().__init__(inner, path, enabled)
        from asgiref.sync import markcoroutinefunction

        markcoroutinefunction(self)

    async def __call__(self, request: Any) -> Any:
        span = child_span(MIDDLEWARE_OP, self._name) if self._enabled() else None
        if span is None:
            return await self._inner(request)
        with span:
            return await self._inner(request)


def _hook(method: Any, description: str, enabled: Callable[[], bool]) -> Any:
    from asgiref.sync import iscoroutinefunction

    if iscoroutinefunction(method):

        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            span = child_span(MIDDLEWARE_OP, description) if enabled() else None
            if span is None:
                return await method(*args, **kwargs)
            with span:
                return await method(*args, **kwargs)

        return timed_async

    def timed(*args: Any, **kwargs: Any) -> Any:
        span = child_span(MIDDLEWARE_OP, description) if enabled() else None
        if span is None:
            return method(*args, **kwargs)
        with span:
            return method(*args, **kwargs)

    return timed


# -- templates --------------------------------------------------------------------------


def timed_render(original: Callable[..., Any], enabled: Callable[[], bool]) -> Any:
    """``Template.render`` with a ``template.render`` span around the outermost render."""

    def render(self: Any, context: Any) -> Any:
        scope = _current_get()
        parent = scope._span if scope is not None else None
        if parent is None or parent.op == TEMPLATE_OP or not enabled():
            return original(self, context)
        span = child_span(TEMPLATE_OP, self.name or "<inline template>")
        if span is None:
            return original(self, context)
        with span:
            return original(self, context)

    return render


__all__ = ["child_span", "timed_render", "wrap_middleware"]
