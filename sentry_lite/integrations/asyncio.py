"""Asyncio (opt-in): an isolation scope per task, and errors nobody awaited.

``init(integrations=[AsyncioIntegration()])`` wraps two methods of
``asyncio.BaseEventLoop`` (so it works whether or not a loop is running at ``init()``):

- ``create_task``: the task runs in a context whose isolation and current scopes are
  forks of the creator's, taken at creation: what a task sets stays in the task
  (Python 3.11+: through ``create_task(context=...)``, the coroutine is not wrapped;
  3.10: the coroutine is wrapped). A task given an explicit ``context=`` keeps it.
- ``call_exception_handler``: what the loop reports as unhandled (a task whose
  exception was never retrieved, a callback that raised) is captured with
  ``mechanism: asyncio, handled: false``, inside the failed task's scopes, before the
  loop's handler runs as usual. Exceptions that an awaiting coroutine receives are not
  captured here: they are the awaiter's to handle (or to let escape).

Loops that do not derive from ``BaseEventLoop`` (uvloop) are not covered.
"""

from __future__ import annotations

import sys

from sentry_lite._blocks import use_isolation_scope, use_scope
from sentry_lite.integrations import Integration, active, capture_exc, patch
from sentry_lite.integrations._importhook import when_imported
from sentry_lite.scope import get_current_scope, get_isolation_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Coroutine
    from types import ModuleType
    from typing import Any

    from sentry_lite.scope import Scope
    from sentry_lite.types import Mechanism

    Scopes = tuple[Scope, Scope]

_HAS_TASK_CONTEXT = sys.version_info >= (3, 11)
# 3.12+ tasks expose their context; older ones are remembered in a weak mapping.
_REMEMBER_SCOPES = sys.version_info < (3, 12)
_state: dict[str, Any] = {}


class AsyncioIntegration(Integration):
    """Isolate every asyncio task's scope; capture exceptions no one awaited."""

    identifier = "asyncio"

    def __init__(self, task_spans: bool = True) -> None:
        # Task spans belong to tracing; accepted for compatibility.
        self.task_spans = task_spans

    @staticmethod
    def setup_once() -> None:
        when_imported("asyncio", _patch_loop_class, AsyncioIntegration.identifier)


def _patch_loop_class(asyncio: ModuleType) -> None:
    import weakref

    loop_class = asyncio.base_events.BaseEventLoop
    original_create_task = loop_class.create_task
    original_call_exception_handler = loop_class.call_exception_handler
    _state["scopes"] = weakref.WeakKeyDictionary()

    def create_task(self: Any, coro: Any, *args: Any, **kwargs: Any) -> Any:
        if active(AsyncioIntegration.identifier) is None or kwargs.get("context") is not None:
            return original_create_task(self, coro, *args, **kwargs)
        scopes = (get_isolation_scope().fork(), get_current_scope().fork())
        if _HAS_TASK_CONTEXT:
            kwargs["context"] = _context_with(scopes)
        elif asyncio.iscoroutine(coro):
            coro = _scoped(coro, scopes)
        task = original_create_task(self, coro, *args, **kwargs)
        if _REMEMBER_SCOPES:
            try:
                _state["scopes"][task] = scopes
            except TypeError:
                pass
        return task

    def call_exception_handler(self: Any, context: dict[str, Any]) -> None:
        if active(AsyncioIntegration.identifier) is not None:
            _capture_loop_error(context)
        original_call_exception_handler(self, context)

    owner = AsyncioIntegration.identifier
    patch(owner, loop_class, "create_task", create_task)
    patch(owner, loop_class, "call_exception_handler", call_exception_handler)


def _enter(scopes: Scopes) -> None:
    # Runs inside a fresh context that is thrown away with its task: never exited.
    use_isolation_scope(scopes[0]).__enter__()
    use_scope(scopes[1]).__enter__()


def _context_with(scopes: Scopes) -> Any:
    import contextvars

    context = contextvars.copy_context()
    context.run(_enter, scopes)
    return context


async def _scoped(coro: Coroutine[Any, Any, Any], scopes: Scopes) -> Any:
    with use_isolation_scope(scopes[0]), use_scope(scopes[1]):
        return await coro


def _scopes_of(task: Any) -> Scopes | None:
    if task is None:
        return None
    try:
        scopes: Scopes | None = _state["scopes"].get(task)
    except TypeError:
        scopes = None
    if scopes is None and hasattr(task, "get_context"):
        try:
            context = task.get_context()
            scopes = context.run(lambda: (get_isolation_scope(), get_current_scope()))
        except Exception:
            scopes = None
    return scopes


def _capture_loop_error(context: dict[str, Any]) -> None:
    exc = context.get("exception")
    if not isinstance(exc, Exception):
        return  # nothing, or CancelledError / KeyboardInterrupt / SystemExit
    scopes = _scopes_of(context.get("future") or context.get("task"))
    exc_info = (type(exc), exc, exc.__traceback__)
    mechanism: Mechanism = {"type": "asyncio", "handled": False}
    try:
        if scopes is None:
            capture_exc(exc_info, mechanism)
        else:
            with use_isolation_scope(scopes[0]), use_scope(scopes[1]):
                capture_exc(exc_info, mechanism)
    except Exception:
        pass


__all__ = ["AsyncioIntegration"]
