"""Threading: errors in threads and thread-pool tasks, and scopes that follow the work.

- ``Thread.start`` is wrapped: the thread's ``run`` then runs inside forks of the
  isolation and current scopes the starting thread had at ``start()`` (with
  ``propagate_scope=True``, the default; otherwise with fresh scopes), and an exception
  escaping ``run`` is captured (``mechanism: threading, handled: false``) before
  ``threading.excepthook`` prints it as usual.
- ``ThreadPoolExecutor.submit`` is wrapped the same way, per task (forks taken at
  ``submit()``). A task's exception belongs to its future: it is captured only if
  nobody retrieves it (``result()`` / ``exception()`` on a done future), when the future
  is garbage collected, like asyncio's "exception was never retrieved". Retrieved
  exceptions reach the caller, whose own capture, log or crash reports them.

Changes a thread makes to its scopes never leak back into the parent's.
"""

from __future__ import annotations

import sys

from sentry_lite._blocks import use_isolation_scope, use_scope
from sentry_lite.integrations import Integration, active, capture_exc, in_sdk_thread, patch
from sentry_lite.integrations._importhook import when_imported
from sentry_lite.scope import get_current_scope, get_isolation_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    import threading
    from collections.abc import Callable
    from concurrent.futures import Future
    from types import ModuleType
    from typing import Any

    from sentry_lite.scope import Scope
    from sentry_lite.types import ExcInfo

    Scopes = tuple[Scope, Scope]

MECHANISM = "threading"
_SDK_THREAD_PREFIX = "sentry_lite"


class ThreadingIntegration(Integration):
    """Capture errors in threads; carry scopes into threads and thread-pool tasks."""

    identifier = "threading"

    def __init__(self, propagate_hub: bool | None = None, propagate_scope: bool = True) -> None:
        # ``propagate_hub`` is the official SDK's older name for the same switch.
        self.propagate_scope = bool(propagate_scope if propagate_hub is None else propagate_hub)

    @staticmethod
    def setup_once() -> None:
        import threading

        _patch_thread(threading.Thread)
        when_imported("concurrent.futures.thread", _patch_executor, ThreadingIntegration.identifier)


def fork_scopes() -> Scopes:
    """Forks of this thread's isolation and current scopes, for work started elsewhere."""
    return get_isolation_scope().fork(), get_current_scope().fork()


def _run_with(scopes: Scopes | None, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    if scopes is None:
        return func(*args, **kwargs)
    with use_isolation_scope(scopes[0]), use_scope(scopes[1]):
        return func(*args, **kwargs)


def _reportable(exc: BaseException) -> bool:
    return not isinstance(exc, SystemExit)


# -- threads -----------------------------------------------------------------------


def _patch_thread(thread_class: type[threading.Thread]) -> None:
    original_start = thread_class.start

    def start(self: threading.Thread, *args: Any, **kwargs: Any) -> None:
        integration = active(ThreadingIntegration.identifier)
        if integration is not None and not self.name.startswith(_SDK_THREAD_PREFIX):
            scopes = fork_scopes() if integration.propagate_scope else None
            self.run = _wrap_run(self, self.run, scopes)  # type: ignore[method-assign]
        try:
            original_start(self, *args, **kwargs)
        except BaseException:
            vars(self).pop("run", None)
            raise

    patch(ThreadingIntegration.identifier, thread_class, "start", start)


def _wrap_run(
    thread: threading.Thread, run: Callable[[], None], scopes: Scopes | None
) -> Callable[[], None]:
    def run_reporting_errors() -> None:
        try:
            _run_with(scopes, _run_and_capture, run)
        finally:
            # Break the thread -> wrapper -> bound run -> thread cycle.
            vars(thread).pop("run", None)

    return run_reporting_errors


def _run_and_capture(run: Callable[[], None]) -> None:
    try:
        run()
    except BaseException as exc:
        if _reportable(exc) and active(ThreadingIntegration.identifier) is not None:
            capture_exc(sys.exc_info(), {"type": MECHANISM, "handled": False})
        raise


# -- thread pools ---------------------------------------------------------------------


class _Task:
    """A submitted callable, run inside the submitter's scopes; remembers its failure."""

    __slots__ = ("error", "fn", "retrieved", "scopes")

    def __init__(self, fn: Callable[..., Any], scopes: Scopes | None) -> None:
        self.fn = fn
        self.scopes = scopes
        self.error: ExcInfo | None = None
        self.retrieved = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _run_with(self.scopes, self._call, *args, **kwargs)

    def _call(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.fn(*args, **kwargs)
        except BaseException as exc:
            if _reportable(exc):
                self.error = (type(exc), exc, exc.__traceback__)
                if self.scopes is None:
                    self.scopes = (get_isolation_scope(), get_current_scope())
            raise

    def mark_retrieved(self) -> None:
        self.retrieved = True
        self.error = None

    def report(self) -> None:
        """The future is gone: capture the error if nobody ever retrieved it."""
        error, self.error = self.error, None
        if error is None or self.retrieved:
            return
        if active(ThreadingIntegration.identifier) is None:
            return
        mechanism = {"type": MECHANISM, "handled": False}
        _run_with(self.scopes, capture_exc, error, mechanism)

    def __repr__(self) -> str:
        return f"<sentry_lite task {self.fn!r}>"


_TASK_ATTRIBUTE = "_sentry_lite_task"


def _patch_executor(module: ModuleType) -> None:
    import weakref

    executor_class = module.ThreadPoolExecutor
    original_submit = executor_class.submit

    def submit(self: Any, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        integration = active(ThreadingIntegration.identifier)
        if integration is None or in_sdk_thread():
            return original_submit(self, fn, *args, **kwargs)  # type: ignore[no-any-return]
        task = _Task(fn, fork_scopes() if integration.propagate_scope else None)
        future: Future[Any] = original_submit(self, task, *args, **kwargs)
        try:
            setattr(future, _TASK_ATTRIBUTE, task)
            weakref.finalize(future, task.report)
        except Exception:
            pass
        return future

    patch(ThreadingIntegration.identifier, executor_class, "submit", submit)
    _patch_retrieval(module._base.Future)


def _patch_retrieval(future_class: type[Future[Any]]) -> None:
    """``result()`` and ``exception()`` on a done future count as retrieving its error."""
    for name in ("result", "exception"):
        original = getattr(future_class, name)
        patch(ThreadingIntegration.identifier, future_class, name, _retrieving(original))


def _retrieving(original: Callable[..., Any]) -> Callable[..., Any]:
    def retrieving(self: Future[Any], timeout: float | None = None) -> Any:
        try:
            return original(self, timeout)
        finally:
            task = vars(self).get(_TASK_ATTRIBUTE)
            if task is not None and self.done():
                task.mark_retrieved()

    retrieving.__name__ = original.__name__
    retrieving.__doc__ = original.__doc__
    return retrieving


__all__ = ["ThreadingIntegration"]
