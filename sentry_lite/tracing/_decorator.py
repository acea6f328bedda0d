"""``@trace``: run a function inside a child span of the active span."""

from __future__ import annotations

from functools import wraps

from sentry_lite._scope_vars import _current_var

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])

_CO_COROUTINE = 0x80
OP = "function"


def _is_coroutine_function(func: Any) -> bool:
    code = getattr(getattr(func, "__func__", func), "__code__", None)
    return code is not None and bool(code.co_flags & _CO_COROUTINE)


def _active_span() -> Any:
    scope = _current_var.get()
    return scope._span if scope is not None else None


def trace(
    func: Any = None,
    *,
    op: str | None = None,
    name: str | None = None,
    attributes: dict[str, Any] | None = None,
    template: str = "default",
) -> Any:
    """``@trace`` or ``@trace(op=..., name=..., attributes=...)`` on a sync or async function.

    Each call runs in a child span (``op`` ``function``, named after the function, with
    ``attributes`` as its data) of the span active at the time; with no active span the
    function just runs. ``template`` (the official SDK's AI span templates) has no effect.
    """
    if func is None:
        return create_span_decorator(op, name, attributes, template)
    return _wrap(func, op, name, attributes)


def create_span_decorator(
    op: str | None = None,
    name: str | None = None,
    attributes: dict[str, Any] | None = None,
    template: str = "default",
) -> Any:
    """The decorator ``@trace(op=..., name=..., attributes=...)`` stands for."""
    return lambda f: _wrap(f, op, name, attributes)


def _child(parent: Any, op: str, name: str, attributes: dict[str, Any] | None) -> Any:
    span = parent.start_child(op=op, name=name)
    if attributes:
        span.update_data(attributes)
    return span


def _wrap(func: F, op: str | None, name: str | None, attributes: dict[str, Any] | None) -> F:
    span_op = op or OP
    span_name = name or f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', func)}"
    if _is_coroutine_function(func):

        @wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            parent = _active_span()
            if parent is None:
                return await func(*args, **kwargs)
            with _child(parent, span_op, span_name, attributes):
                return await func(*args, **kwargs)

        return async_wrapper  # type: ignore[return-value]

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        parent = _active_span()
        if parent is None:
            return func(*args, **kwargs)
        with _child(parent, span_op, span_name, attributes):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


__all__ = ["create_span_decorator", "trace"]
